using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>
/// What Settlement authorized Payout to pay for a contest (at settling, and once per make-good): on the contest's
/// timeline.
/// </summary>
public sealed class ContestPayoutsAuthorizedHandler : MessageHandler<ContestPayoutsAuthorized>
{
    public override Task HandleAsync(ContestPayoutsAuthorized authorization, HandlerContext context,
        CancellationToken ct) =>
        ContestStore.TimelineAsync(context, authorization.ContestId, "payouts_authorized",
            $"payouts authorized ({authorization.AuthorizationId}): {authorization.Payouts} payout(s), " +
            $"{Money.Format(authorization.NetTotalMinor, authorization.Currency)} net at most");
}
