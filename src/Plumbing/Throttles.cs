using System.Globalization;

namespace ContestPipeline.Plumbing;

/// <summary>
/// Test-only slowness, to show what one slow stage does to the others (a payment-event consumer
/// far behind the entries, say): <c>CONTESTPIPELINE_THROTTLE="&lt;consumer group&gt;=&lt;ms&gt;[,...]"</c>
/// makes that consume loop wait so long before each batch it handles. Inert unless configured;
/// like crash points it cannot be set in production or staging, nor in a production build.
/// </summary>
public sealed class Throttles
{
    public const string Variable = "CONTESTPIPELINE_THROTTLE";

    private readonly Dictionary<string, TimeSpan> _beforeBatch;

    public Throttles(IReadOnlyDictionary<string, TimeSpan>? beforeBatch = null) =>
        _beforeBatch = new Dictionary<string, TimeSpan>(beforeBatch ?? new Dictionary<string, TimeSpan>(),
            StringComparer.Ordinal);

    /// <summary>How long <paramref name="consumer"/> waits before each batch: zero unless throttled.</summary>
    public TimeSpan BeforeBatch(string consumer) => _beforeBatch.GetValueOrDefault(consumer);

    /// <summary>
    /// The throttles <see cref="Variable"/> sets, if this build and environment allow them; a
    /// malformed one is a start-up error.
    /// </summary>
    public static Throttles FromSettings(Microsoft.Extensions.Configuration.IConfiguration? configuration,
        DeploymentEnvironment environment)
    {
        var spec = Setting.Text(configuration, Variable);
        if (spec is null) return new Throttles();
#if PRODUCTION_BUILD
        throw new StartupException($"{Variable}: throttles cannot be set in a production build");
#else
        if (environment is DeploymentEnvironment.Production or DeploymentEnvironment.Staging)
            throw new StartupException($"{Variable}: cannot be set in {DeploymentEnvironments.Name(environment)}");
        var delays = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2 || pair[0].Length == 0
                || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 60_000)
                throw new StartupException($"{Variable}: '{part}' is not <consumer group>=<ms, at most 60000>");
            delays[pair[0]] = TimeSpan.FromMilliseconds(ms);
        }
        return new Throttles(delays);
#endif
    }
}
