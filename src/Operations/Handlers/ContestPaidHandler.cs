using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>PAID: what stayed transferred and what was withheld.</summary>
public sealed class ContestPaidHandler : MessageHandler<ContestPaid>
{
    public override async Task HandleAsync(ContestPaid p, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, p.ContestId, "paid",
            $"PAID: {p.PaidCount} of {p.PayoutCount} payouts paid ({Money.Format(p.PaidMinor, p.Currency)}), {p.RejectedCount} rejected ({Money.Format(p.WithheldMinor, p.Currency)} withheld)");
        await ReadModelStore.ExecuteAsync(context, "UPDATE operations.contests SET paid = @paid::jsonb WHERE contest_id = @ContestId",
            new { paid = ReadModelStore.Json(p), p.ContestId });
    }
}
