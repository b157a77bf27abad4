using System.Text.RegularExpressions;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Broker;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Stripe;
using Npgsql;

namespace ContestPipeline.Local.Processes;

/// <summary>A process about to start: the service it is, its label, what runs and every setting it gets.</summary>
public sealed record LocalProcessSpec(ServiceIdentity Service, string Label, string Assembly,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string?> Environment);

/// <summary>
/// How every local run starts a process: from its service's identity (<see cref="Services"/>),
/// exactly as docker-compose.yml gives it, with only <see cref="LocalSwaps"/> applied. Each
/// process sees its own settings and nothing else: the development tool's own environment
/// (CONTESTPIPELINE_*, e.g. ./run's database owner and every producer's keys) is not passed on,
/// so a setting, secret or key its identity lacks is missing here as it would be in production.
/// </summary>
public static partial class LocalServices
{
    public const string SettingPrefix = "CONTESTPIPELINE_";

    /// <summary>
    /// The process for <paramref name="service"/>: its settings with the swaps applied, its
    /// secret files and key folder written under the run's directory (in a folder of its own,
    /// <paramref name="label"/>), then <paramref name="overrides"/> (a test's or a tool's own
    /// tuning, e.g. payout limits, on top of the identity, never instead of a role or a key).
    /// </summary>
    public static LocalProcessSpec Prepare(ServiceIdentity service, LocalSwaps swaps, IReadOnlyDictionary<string,
        string?>? overrides = null, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(swaps);
        label ??= service.Name;
        var own = Path.Combine(swaps.RunDirectory, "identity", label.Replace('#', '-'));
        var env = Inherited();
        foreach (var (name, value) in service.Settings) env[name] = Swap(name, value, swaps);
        WriteSecrets(service, swaps, Path.Combine(own, "secrets"), env);
        foreach (var name in LocalSwaps.KafkaSecuritySettings) env[name] = null;
        if (service.Keys is { } keys)
        {
            var folder = Path.Combine(own, "signing-keys");
            KeyMaterialFiles.Write(keys, swaps.KeysSource, folder);
            env[SigningKeys.DirectoryVariable] = folder;
        }
        // An operator's tool finds the local operators' own keys by name (local runs only, never production).
        if (service == Services.Cpctl) env[OperatorKeys.LocalDirectoryVariable] = OperatorKeys.LocalDirectoryDefault;
        if (service.Secrets.Any(s => s.Secret is Services.StripeIngestionKey or Services.StripePayoutKey
            or Services.StripeBalanceReadKey))
            env[StripeServices.UrlVariable] = swaps.Stripe.BaseUrl.ToString();
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>()) env[name] = value;
        // Test-only hooks (crash points, throttles) are refused in staging: a process armed with one runs as test.
        if (env.GetValueOrDefault(CrashPoints.Variable) is not null
            || env.GetValueOrDefault(Throttles.Variable) is not null)
            env[PipelineSettings.EnvironmentVariable] = DeploymentEnvironments.Name(DeploymentEnvironment.Test);
        if (service == Services.Topics)
        {
            // Neither the local broker nor a plaintext test cluster has principals or ACLs, and the local broker has
            // no CreateTopics: the development tool provisions the topics, through the local broker's control
            // endpoint or, on a real cluster, the Kafka admin API.
            env[BrokerState.FileVariable] = swaps.BrokerFile;
            return new LocalProcessSpec(service, label, RepoPaths.CpdevDll,
                swaps.BrokerFile is null ? ["topics", "apply", "--admin-api"] : ["topics", "apply"], env);
        }
        return new LocalProcessSpec(service, label, RepoPaths.DeployableDll(service.Deployable),
            [.. service.Command.Skip(1)], env);
    }

    public static ChildProcess Start(LocalProcessSpec spec, string logPath, Action<string>? onLine = null) =>
        ChildProcess.StartDotnet(spec.Label, spec.Assembly, spec.Arguments, spec.Environment, logPath, onLine);

    /// <summary>Starts <paramref name="service"/> as its identity gives it.</summary>
    public static ChildProcess Start(ServiceIdentity service, LocalSwaps swaps, string logPath,
        IReadOnlyDictionary<string, string?>? overrides = null, string? label = null) =>
        Start(Prepare(service, swaps, overrides, label), logPath);

    /// <summary>
    /// Runs a one-shot job (migrate, topics) to its end, as compose does before anything that depends on it; throws
    /// with its output if it fails.
    /// </summary>
    public static async Task RunJobAsync(ServiceIdentity job, LocalSwaps swaps, string logPath,
        CancellationToken ct = default)
    {
        var process = Start(job, swaps, logPath);
        await using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"the {job.Name} job did not finish within 3 minutes; see {logPath}");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException(
                    $"the {job.Name} job exited with code {process.ExitCode}: {string.Join(" | ", Tail(logPath, 5))}");
        }
    }

    /// <summary>
    /// The migrate job, as compose runs it before any service: every schema's migrations and grants, as the migrator.
    /// </summary>
    public static Task MigrateAsync(LocalSwaps swaps, CancellationToken ct = default) =>
        RunJobAsync(Services.Migrate, swaps, Path.Combine(swaps.RunDirectory, $"migrate-{Guid.NewGuid():N}.log"), ct);

    /// <summary>
    /// The health endpoint a process started on a free port says it listens on (its log's line), or null before it said
    /// so.
    /// </summary>
    public static Uri? HealthUrl(string logPath) =>
        Tail(logPath, int.MaxValue).Select(l => HealthLine().Match(l)).LastOrDefault(m => m.Success) is { } m
            ? new Uri(m.Groups["url"].Value) : null;

    /// <summary>
    /// The variables a child would inherit, with every pipeline setting of the development tool's own dropped.
    /// </summary>
    private static Dictionary<string, string?> Inherited()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in System.Environment.GetEnvironmentVariables().Keys.OfType<string>())
            if (name.StartsWith(SettingPrefix, StringComparison.Ordinal)) env[name] = null;
        return env;
    }

    private static void WriteSecrets(ServiceIdentity service, LocalSwaps swaps, string folder, Dictionary<string,
        string?> env)
    {
        foreach (var secret in service.Secrets)
        {
            var value = swaps.SecretValue(secret.Secret);
            if (value is null) continue;
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, secret.Secret);
            File.WriteAllText(path, value + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path,
                UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (secret.SettingName is { } name) env[name] = path;
        }
    }

    /// <summary>
    /// A plain setting's value here: the swaps, or compose's own interpolation of <c>${NAME:-default}</c>.
    /// </summary>
    private static string? Swap(string name, string value, LocalSwaps swaps)
    {
        if (name == PipelineSettings.EnvironmentVariable) return DeploymentEnvironments.Name(swaps.Environment);
        if (name == PipelineSettings.KafkaVariable) return swaps.BootstrapServers;
        if (name == PipelineSettings.PostgresVariable)
        {
            var local = new NpgsqlConnectionStringBuilder(swaps.Postgres);
            return new NpgsqlConnectionStringBuilder(value) { Host = local.Host, Port = local.Port,
                Database = local.Database }.ConnectionString;
        }
        // One host: a port of its own is a free one (the process logs which).
        if (name == Observability.HealthPortVariable) return "0";
        if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Host == "0.0.0.0")
            return $"{url.Scheme}://127.0.0.1:{LocalConsole.FreePort()}";
        var interpolated = Interpolation().Match(value);
        if (interpolated.Success)
            return System.Environment.GetEnvironmentVariable(interpolated.Groups["name"].Value) is { Length: > 0 } set
                ? set
                : interpolated.Groups["default"].Value is { Length: > 0 } fallback ? fallback : null;
        return value;
    }

    private static List<string> Tail(string path, int lines)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var all = new List<string>();
        while (reader.ReadLine() is { } line) all.Add(line);
        return lines >= all.Count ? all : all[^lines..];
    }

    [GeneratedRegex(@"^\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}$")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"Health endpoint (?<url>http://[^\s""]+?/)health/live")]
    private static partial Regex HealthLine();
}
