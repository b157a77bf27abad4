using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Contests;

/// <summary>The settlement record: fees, rake, pool, prizes, fees on prizes.</summary>
public sealed class ContestSettledHandler : MessageHandler<ContestSettled>
{
    public override async Task HandleAsync(ContestSettled settled, HandlerContext context, CancellationToken ct)
    {
        string Amount(long minor) => Money.Format(minor, settled.Currency);
        await ContestStore.TimelineAsync(context, settled.ContestId, "settled",
            $"settled: fees {Amount(settled.EntryFeesMinor)}, rake {Amount(settled.RakeMinor)}, pool " +
            $"{Amount(settled.PoolMinor)}, {settled.Payouts} prizes {Amount(settled.PrizesNetMinor)} net, fees on " +
            $"prizes {Amount(settled.PlatformFeesMinor)}");
        await ContestStore.SettledAsync(context, settled);
    }
}
