using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>A contest's definition was accepted: it is SCHEDULED.</summary>
public sealed class ContestScheduledHandler : MessageHandler<ContestScheduled>
{
    public override async Task HandleAsync(ContestScheduled scheduled, HandlerContext context, CancellationToken ct)
    {
        var d = scheduled.Definition;
        await ContestStore.ScheduledAsync(context, d);
        await ContestStore.TimelineAsync(context, d.ContestId, "scheduled",
            $"defined and SCHEDULED: {d.Title} ({d.Kind}), entry fee {Money.Format(d.EntryFeeMinor, d.Currency)}, " +
            $"{d.MinEntries}-{d.MaxEntries} entries, locks {d.LockAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, prize table " +
            $"{d.PrizeTable.Kind}, pool {d.Pool.Mode}");
    }
}
