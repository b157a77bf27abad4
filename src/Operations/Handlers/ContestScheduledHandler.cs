using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A contest's definition was accepted: it is SCHEDULED.</summary>
public sealed class ContestScheduledHandler : MessageHandler<ContestScheduled>
{
    public override async Task HandleAsync(ContestScheduled s, HandlerContext context, CancellationToken ct)
    {
        var d = s.Definition;
        await ReadModelStore.EnsureContestAsync(context, d.ContestId);
        await ReadModelStore.ExecuteAsync(context, """
            UPDATE operations.contests SET title = @Title, kind = @Kind, currency = @Currency, entry_fee_minor = @EntryFeeMinor, lock_at = @LockAt,
                definition = @definition::jsonb,
                state = CASE WHEN state = 'UNKNOWN' THEN 'SCHEDULED' ELSE state END,
                state_at = CASE WHEN state = 'UNKNOWN' THEN @at ELSE state_at END
            WHERE contest_id = @ContestId
            """, new { d.Title, d.Kind, d.Currency, d.EntryFeeMinor, d.LockAt, definition = ReadModelStore.Json(d), at = ReadModelStore.At(context), d.ContestId });
        await ReadModelStore.TimelineAsync(context, d.ContestId, "scheduled",
            $"defined and SCHEDULED: {d.Title} ({d.Kind}), entry fee {Money.Format(d.EntryFeeMinor, d.Currency)}, {d.MinEntries}-{d.MaxEntries} entries, " +
            $"locks {d.LockAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, prize table {d.PrizeTable.Kind}, pool {d.Pool.Mode}");
    }
}
