using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Authorizations;

/// <summary>
/// Settlement's announcement of what a settled contest may be paid: recorded once, it is the
/// budget every prize order of the contest is counted against. A guaranteed contest's guarantee is recorded
/// only from its definition as the operators sealed it, when the seals verify for Payout: otherwise the
/// contest is paid from the entry fees Payout verified alone, with a critical alert (<c>guarantee_not_sealed</c>).
/// A make-good's authorization is recorded only with the make-good's terms as two operators sealed them for Payout,
/// naming the make-good's entry, and for no more than they say the entry is owed: what they grant is recorded
/// (<see cref="MakeGoodGrant"/>) and the make-good's order is paid only within it. Any other is refused (a critical
/// dead letter), and so its order finds no authorization.
/// </summary>
public sealed class ContestPayoutsAuthorizedHandler(MessageVerifier verifier)
    : MessageHandler<ContestPayoutsAuthorized>
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
        if (ContestPayoutsAuthorized.MakeGoodPayoutOf(authorization.AuthorizationId) is { } payoutId)
            await MakeGoodGrantStore.RecordAsync(context, Grant(authorization, payoutId));
        await AuthorizationStore.RecordAsync(context, authorization, context.Incoming.Envelope.MessageId,
            Guaranteed(authorization, context));
    }

    /// <summary>What the operators sealed for the make-good <paramref name="payoutId"/>; refused otherwise.</summary>
    private MakeGoodGrant Grant(ContestPayoutsAuthorized authorization, string payoutId)
    {
        MakeGoodGrant Refused(string why) =>
            throw new MessageRejectedException($"payout authorization {authorization.AuthorizationId}: {why}; the " +
                "make-good is not paid", AlertSeverities.Critical);
        if (authorization.MakeGood is not { } made)
            return Refused("it carries no make-good terms sealed by the operators who proposed and confirmed it");
        if (verifier.MakeGoodRefusal(made, authorization.ContestId, authorization.Currency, out var operators) is
            { } refusal)
            return Refused(refusal);
        var item = (made.Items ?? []).FirstOrDefault(i => i is not null && PrizePayoutOrdered.MakeGoodIdFor(
            authorization.ContestId, i.EntryId, made.CorrectionsSoFar) == payoutId);
        if (item is null)
            return Refused(
                $"the sealed terms of proposal {made.ProposalId} name no entry whose make-good is {payoutId}");
        var credit = item.CorrectedNetMinor - item.OfficialNetMinor;
        if (authorization.Payouts != 1 || credit <= 0 || authorization.NetTotalMinor > credit)
            return Refused(
                $"it authorizes {authorization.Payouts} payout(s) of {authorization.NetTotalMinor} in all, " +
                $"and the sealed terms owe entry {item.EntryId} {Math.Max(credit, 0)}");
        return new MakeGoodGrant(payoutId, authorization.ContestId, item.EntryId, item.PlayerId, credit,
            authorization.Currency, made.ProposalId, string.Join(",", operators));
    }

    /// <summary>The guarantee the operators sealed for the contest; 0 for none, or one that does not verify.</summary>
    private long Guaranteed(ContestPayoutsAuthorized authorization, HandlerContext context)
    {
        if (authorization.Guarantee is not { } definition) return 0;
        var refusal = definition.ContestId != authorization.ContestId
            ? $"it is contest {definition.ContestId}'s definition"
            : !string.Equals(definition.Currency, authorization.Currency, StringComparison.OrdinalIgnoreCase)
                ? $"the definition is in {definition.Currency}"
                : definition.Pool is not { Mode: PoolModes.Guaranteed, GuaranteedMinor: > 0 }
                    ? "the definition guarantees no pool"
                    : verifier.DefinitionRefusal(definition, out _);
        if (refusal is null) return definition.Pool.GuaranteedMinor;
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "guarantee_not_sealed",
            authorization.ContestId, $"payout authorization {authorization.AuthorizationId} carries a guarantee " +
            $"Payout does not take: {refusal}; contest {authorization.ContestId} is paid from the entry fees Payout " +
            "verified, prizes beyond them held for an operator", authorization.AuthorizationId);
        return 0;
    }
}
