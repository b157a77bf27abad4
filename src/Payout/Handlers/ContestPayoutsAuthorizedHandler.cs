using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// Settlement's announcement of what a settled contest may be paid: recorded once, it is the
/// budget every prize order of the contest is counted against.
/// </summary>
public sealed class ContestPayoutsAuthorizedHandler : MessageHandler<ContestPayoutsAuthorized>
{
    public override async Task HandleAsync(ContestPayoutsAuthorized a, HandlerContext context, CancellationToken ct)
    {
        if (!Currency.TryParse(a.Currency, out _))
            throw new MessageRejectedException($"payout authorization {a.AuthorizationId}: unsupported currency '{a.Currency}'", AlertSeverities.Critical);
        if (a.Payouts < 0 || a.NetTotalMinor < 0 || (a.Payouts == 0) != (a.NetTotalMinor == 0))
            throw new MessageRejectedException(
                $"payout authorization {a.AuthorizationId}: {a.Payouts} payouts for {a.NetTotalMinor} minor units is not an authorization", AlertSeverities.Critical);
        if (context.Incoming!.Key != a.ContestId)
            throw new MessageRejectedException($"payout authorization {a.AuthorizationId}: keyed '{context.Incoming.Key}', not its contest {a.ContestId}", AlertSeverities.Critical);
        await AuthorizationStore.RecordAsync(context, a, context.Incoming.Envelope.MessageId);
    }
}
