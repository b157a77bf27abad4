using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Authorizations;

/// <summary>
/// Settlement's announcement of what a settled contest may be paid: recorded once, it is the
/// budget every prize order of the contest is counted against.
/// </summary>
public sealed class ContestPayoutsAuthorizedHandler : MessageHandler<ContestPayoutsAuthorized>
{
    public override async Task HandleAsync(ContestPayoutsAuthorized authorization,
        HandlerContext context, CancellationToken ct)
    {
        if (!Currency.TryParse(authorization.Currency, out _))
            throw new MessageRejectedException($"payout authorization {authorization.AuthorizationId}: unsupported " +
                $"currency '{authorization.Currency}'", AlertSeverities.Critical);
        if (authorization.Payouts < 0 || authorization.NetTotalMinor < 0
            || (authorization.Payouts == 0) != (authorization.NetTotalMinor == 0))
            throw new MessageRejectedException(
                $"payout authorization {authorization.AuthorizationId}: {authorization.Payouts} payouts for " +
                $"{authorization.NetTotalMinor} minor units is not an authorization", AlertSeverities.Critical);
        if (context.Incoming!.Key != authorization.ContestId)
            throw new MessageRejectedException($"payout authorization {authorization.AuthorizationId}: keyed " +
                $"'{context.Incoming.Key}', not its contest {authorization.ContestId}", AlertSeverities.Critical);
        await AuthorizationStore.RecordAsync(context, authorization, context.Incoming.Envelope.MessageId);
    }
}
