using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>What Settlement authorized Payout to pay for a contest (at settling, and once per make-good): on the contest's timeline.</summary>
public sealed class ContestPayoutsAuthorizedHandler : MessageHandler<ContestPayoutsAuthorized>
{
    public override Task HandleAsync(ContestPayoutsAuthorized a, HandlerContext context, CancellationToken ct) =>
        ReadModelStore.TimelineAsync(context, a.ContestId, "payouts_authorized",
            $"payouts authorized ({a.AuthorizationId}): {a.Payouts} payout(s), {Money.Format(a.NetTotalMinor, a.Currency)} net at most");
}
