using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>PAID: what stayed transferred and what was withheld.</summary>
public sealed class ContestPaidHandler : MessageHandler<ContestPaid>
{
    public override async Task HandleAsync(ContestPaid paid, HandlerContext context, CancellationToken ct)
    {
        await ContestStore.TimelineAsync(context, paid.ContestId, "paid",
            $"PAID: {paid.PaidCount} of {paid.PayoutCount} payouts paid " +
            $"({Money.Format(paid.PaidMinor, paid.Currency)}), " +
            $"{paid.RejectedCount} rejected ({Money.Format(paid.WithheldMinor, paid.Currency)} withheld)");
        await ContestStore.PaidAsync(context, paid);
    }
}
