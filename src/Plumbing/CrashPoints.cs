namespace ContestPipeline.Plumbing;

/// <summary>
/// Named places where a test can make a process die, to prove recovery at exactly the
/// moments random kills rarely hit (between a Kafka produce and the outbox commit,
/// between a database commit and the offset commit). Inert unless configured.
/// In a worker process, CONTESTPIPELINE_CRASH_AT="name" or "name:n" kills the process
/// with SIGKILL the n-th time the point is reached; in-process tests set
/// <see cref="Action"/> instead. They can never be armed in production or staging, nor in a
/// production build (built with <c>-p:ContestPipelineProduction=true</c>, as the container
/// image is): there the setting is a start-up error.
/// </summary>
public sealed class CrashPoints
{
    public const string Variable = "CONTESTPIPELINE_CRASH_AT";

    /// <summary>Relay: half of a batch is handed to the producer, none of it acknowledged or marked sent.</summary>
    public const string RelayMidProduce = "relay.mid-produce";
    /// <summary>Relay: the whole batch is acknowledged by Kafka; no row is marked sent yet.</summary>
    public const string RelayAfterProduce = "relay.after-produce";
    public const string ConsumerAfterCommit = "consumer.after-commit";
    /// <summary>Payout: Stripe created the transfer (or refund); its result is not recorded yet.</summary>
    public const string PayoutAfterStripeCall = "payout.after-stripe-call";
    /// <summary>Payout: the payout is recorded as submitting; Stripe has not been called yet.</summary>
    public const string PayoutAfterSubmitting = "payout.after-submitting";
    /// <summary>
    /// Settlement: a chunk of a contest's prizes is posted and ordered, its transaction not
    /// committed yet.
    /// </summary>
    public const string SettlementMidChunk = "settlement.mid-chunk";

    private readonly string? _name;
    private readonly int _nth;
    private int _hits;

    /// <summary>Called with the point's name each time it is reached; may throw to simulate a crash.</summary>
    public Action<string>? Action { get; set; }

    public CrashPoints(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return;
        var parts = spec.Split(':', 2);
        _name = parts[0];
        _nth = parts.Length == 2 && int.TryParse(parts[1], out var n) && n > 0 ? n : 1;
    }

    /// <summary>
    /// The crash point armed by <see cref="Variable"/>, if any and if this build and environment
    /// allow it.
    /// </summary>
    public static CrashPoints FromSettings(Microsoft.Extensions.Configuration.IConfiguration? configuration,
        DeploymentEnvironment environment)
    {
        var spec = Setting.Text(configuration, Variable);
        if (spec is null) return new CrashPoints(null);
#if PRODUCTION_BUILD
        throw new StartupException($"{Variable}: crash points cannot be armed in a production build");
#else
        if (environment is DeploymentEnvironment.Production or DeploymentEnvironment.Staging)
            throw new StartupException(
                $"{Variable}: crash points cannot be armed in {DeploymentEnvironments.Name(environment)}");
        return new CrashPoints(spec);
#endif
    }

    public void Reach(string name)
    {
        Action?.Invoke(name);
        if (!IsDue(name)) return;
        Console.Error.WriteLine($"crash point {name} reached: killing process {Environment.ProcessId}");
        System.Diagnostics.Process.GetCurrentProcess().Kill();
    }

    /// <summary>Counts a hit of <paramref name="name"/>; true exactly when it is the configured n-th.</summary>
    public bool IsDue(string name) => _name == name && Interlocked.Increment(ref _hits) == _nth;
}
