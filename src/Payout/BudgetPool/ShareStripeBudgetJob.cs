using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout.BudgetPool;

/// <summary>
/// With <see cref="StripeServices.PoolRateVariable"/> set, Payout's instances share one Stripe rate instead of
/// each holding a fixed share, so an instance that stopped, or has nothing to send, leaves its part to the others.
/// Every <see cref="Tick"/> an instance says whether it has calls to make (a take from its bucket within
/// <see cref="WantWindow"/>) and counts the instances that do (<see cref="StripeBudgetPoolStore"/>):
/// <list type="bullet">
/// <item>one with nothing to send earns nothing, and says so only after its bucket stopped;</item>
/// <item>one that starts wanting is counted by the others at their next tick, and spends only after
/// <see cref="Settle"/>: by then each other instance has counted it, or its own view is older than
/// <see cref="Fresh"/> and earns nothing;</item>
/// <item>each rate is valid for <see cref="Fresh"/> from the start of the read it came from, so an instance that
/// cannot reach the database stops earning (its burst aside) rather than spending on an old count.</item>
/// </list>
/// So the rates never add up above the pool (<see cref="StripeBudget.PooledRate"/>).
/// </summary>
/// <param name="fresh">
/// How long a count is good for, and how long a new instance waits (1 s; tests give longer).
/// </param>
public sealed class ShareStripeBudgetJob(StripeApi stripe, int poolRequestsPerSecond, string instance,
    ILogger logger, TimeSpan? fresh = null) : IJob
{
    /// <summary>
    /// The worker's job, made by its container like every other job: the pool from the Stripe settings (the worker
    /// runs this job only when one is set), and a new name for this process.
    /// </summary>
    public ShareStripeBudgetJob(StripeApi stripe, StripeSettings settings, ILogger<ShareStripeBudgetJob> logger)
        : this(stripe, settings.PoolRequestsPerSecond ?? 0, NewInstanceName(), logger)
    {
    }

    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan WantWindow = TimeSpan.FromSeconds(1);

    private long? _wantingSince;
    private (bool, int, int) _logged = (false, 0, 0);

    public TimeSpan Fresh { get; } = fresh ?? TimeSpan.FromSeconds(1);

    /// <summary>How long an instance is seen wanting before it spends: as long as a count is good for.</summary>
    public TimeSpan Settle => Fresh;

    public string Name => "share-stripe-budget";
    public TimeSpan Interval => Tick;

    /// <summary>The others' counts are good for <see cref="Fresh"/>: this one never slows down while idle.</summary>
    public bool KeepsPace => true;

    /// <summary>This process's name in the pool: host, process and a random part, new at every start.</summary>
    public static string NewInstanceName() =>
        $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var clock = job.Clock;
        var bucket = stripe.Budget;
        var viewStart = clock.GetTimestamp();
        var wanting = bucket.LastDemand != long.MinValue
            && clock.GetElapsedTime(bucket.LastDemand, viewStart) < WantWindow;
        if (!wanting)
        {
            // Stopped before the others can read that it has stopped.
            bucket.SetRate(0, Timeout.InfiniteTimeSpan);
            _wantingSince = null;
        }
        var count = await job.InTransactionAsync("share the Stripe budget",
            context => StripeBudgetPoolStore.SeenAsync(context, instance, wanting, Fresh), ct);
        if (!wanting)
        {
            Log(wanting, count, 0);
            return false;
        }
        _wantingSince ??= clock.GetTimestamp();
        var settled = clock.GetElapsedTime(_wantingSince.Value) >= Settle;
        var left = Fresh - clock.GetElapsedTime(viewStart);
        var rate = left > TimeSpan.Zero ? StripeBudget.PooledRate(poolRequestsPerSecond, count, settled) : 0;
        bucket.SetRate(rate, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        Log(wanting, count, rate);
        return false;
    }

    // Each change of this instance's part, so an operator can follow the pool's division in the log.
    private void Log(bool wanting, int count, int rate)
    {
        if (_logged == (wanting, count, rate)) return;
        _logged = (wanting, count, rate);
        logger.LogInformation("Stripe pool {Instance}: {Wanting}, {Count} instance(s) with calls to make, " +
            "this one's rate {Rate}/s of {Pool}/s", instance, wanting ? "wanting" : "idle", count, rate,
            poolRequestsPerSecond);
    }
}
