using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>The settlement record: fees, rake, pool, prizes, fees on prizes.</summary>
public sealed class ContestSettledHandler : MessageHandler<ContestSettled>
{
    public override async Task HandleAsync(ContestSettled s, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, s.ContestId, "settled",
            $"settled: fees {Money.Format(s.EntryFeesMinor, s.Currency)}, rake {Money.Format(s.RakeMinor, s.Currency)}, pool {Money.Format(s.PoolMinor, s.Currency)}, " +
            $"{s.Payouts} prizes {Money.Format(s.PrizesNetMinor, s.Currency)} net, fees on prizes {Money.Format(s.PlatformFeesMinor, s.Currency)}");
        await ReadModelStore.ExecuteAsync(context, "UPDATE operations.contests SET settled = @settled::jsonb WHERE contest_id = @ContestId",
            new { settled = ReadModelStore.Json(s), s.ContestId });
    }
}
