using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Operations.Domain;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>The settlement record: fees, rake, pool, prizes, fees on prizes.</summary>
public sealed class ContestSettledHandler : MessageHandler<ContestSettled>
{
    public override async Task HandleAsync(ContestSettled s, HandlerContext context, CancellationToken ct)
    {
        await ReadModelStore.TimelineAsync(context, s.ContestId, "settled",
            $"settled: fees {Show.Amount(s.EntryFeesMinor, s.Currency)}, rake {Show.Amount(s.RakeMinor, s.Currency)}, pool {Show.Amount(s.PoolMinor, s.Currency)}, " +
            $"{s.Payouts} prizes {Show.Amount(s.PrizesNetMinor, s.Currency)} net, fees on prizes {Show.Amount(s.PlatformFeesMinor, s.Currency)}");
        await ReadModelStore.ExecuteAsync(context, "UPDATE operations.contests SET settled = @settled::jsonb WHERE contest_id = @ContestId",
            new { settled = ReadModelStore.Json(s), s.ContestId });
    }
}
