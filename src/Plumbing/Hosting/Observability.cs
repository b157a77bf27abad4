using System.Net;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// What an on-call engineer gets from every process, wired in one place (after eShop's
/// ServiceDefaults): logs (JSON lines in production, plain locally, each line inside a
/// message's scope carrying its ids and coordinates), metrics and traces exported over OTLP
/// when an endpoint is set, and liveness/readiness on a small HTTP port when one is set.
/// </summary>
public static class Observability
{
    /// <summary>Where to send metrics and traces (OTLP over gRPC, e.g. http://otel-collector:4317); unset: nothing is exported.</summary>
    public const string OtlpEndpointVariable = "CONTESTPIPELINE_OTLP_ENDPOINT";

    /// <summary>json or plain; json by default in production and staging, plain elsewhere.</summary>
    public const string LogFormatVariable = "CONTESTPIPELINE_LOG_FORMAT";

    /// <summary>The health endpoint's port: unset for none (the local default), 0 for any free one (its URL is logged).</summary>
    public const string HealthPortVariable = "CONTESTPIPELINE_HEALTH_PORT";

    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    public static bool JsonLogs(IConfiguration? configuration, DeploymentEnvironment environment) =>
        Setting.Text(configuration, LogFormatVariable) switch
        {
            null => environment is DeploymentEnvironment.Production or DeploymentEnvironment.Staging,
            "json" => true,
            "plain" => false,
            var other => throw new StartupException($"{LogFormatVariable}: '{other}' is not json or plain"),
        };

    /// <summary>The process's console log: one JSON object per line with scopes, or the plain single line.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging, IConfiguration? configuration, DeploymentEnvironment environment)
    {
        logging.ClearProviders();
        if (JsonLogs(configuration, environment))
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        }
    }

    public static int? HealthPort(IConfiguration? configuration)
    {
        if (Setting.Text(configuration, HealthPortVariable) is null) return null;
        return Setting.Int(configuration, HealthPortVariable, 0, 0, 65_535);
    }

    /// <summary>
    /// Registers the exporters (when <see cref="OtlpEndpointVariable"/> is set) and the health
    /// endpoint (when <see cref="HealthPortVariable"/> is set) for the process <paramref name="service"/>.
    /// </summary>
    public static IServiceCollection AddPipelineObservability(this IServiceCollection services, string service, IConfiguration? configuration,
        DeploymentEnvironment environment)
    {
        if (Setting.Url(configuration, OtlpEndpointVariable) is not null) services.AddHostedService(_ => new OtlpExport(service, configuration, environment));
        services.AddSingleton<WorkerHealth>();
        if (HealthPort(configuration) is { } port)
            services.AddHostedService(sp => new HealthEndpoint(port, environment, sp.GetRequiredService<WorkerHealth>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("ContestPipeline.Health")));
        return services;
    }

    /// <summary>
    /// Starts exporting metrics and traces over OTLP when <see cref="OtlpEndpointVariable"/> is
    /// set (null otherwise); disposing flushes what is buffered and stops.
    /// </summary>
    public static IDisposable? StartOtlpExport(string service, IConfiguration? configuration, DeploymentEnvironment environment)
    {
        var endpoint = Setting.Url(configuration, OtlpEndpointVariable);
        if (endpoint is null) return null;
        var resource = ResourceBuilder.CreateDefault().AddService(service, serviceNamespace: "contestpipeline")
            .AddAttributes([new KeyValuePair<string, object>("deployment.environment.name", DeploymentEnvironments.Name(environment))]);
        var meters = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(PipelineTelemetry.MeterName)
            .AddOtlpExporter(o => o.Endpoint = endpoint).Build();
        var tracers = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(PipelineTelemetry.ActivitySourceName)
            .AddOtlpExporter(o => o.Endpoint = endpoint).Build();
        return new Export(meters, tracers);
    }

    private sealed class Export(MeterProvider meters, TracerProvider tracers) : IDisposable
    {
        public void Dispose()
        {
            tracers.Dispose();
            meters.Dispose();
        }
    }

    /// <summary>The OpenTelemetry providers of a host, built at start and disposed (flushing what is buffered) at stop.</summary>
    private sealed class OtlpExport(string service, IConfiguration? configuration, DeploymentEnvironment environment) : IHostedService
    {
        private IDisposable? _export;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _export = StartOtlpExport(service, configuration, environment);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _export?.Dispose();
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// What readiness is made of: every check registered (the database, the broker, the consume
/// loops having joined their groups) must pass. Results are kept for a second, so a busy
/// prober costs one round of checks a second at most.
/// </summary>
public sealed class WorkerHealth
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly List<(string Name, Func<CancellationToken, Task<string?>> Check)> _checks = [];
    private (DateTime At, HealthReport Report)? _last;

    /// <summary>Adds a check: it returns null when healthy, else why not (one line).</summary>
    public void Add(string name, Func<CancellationToken, Task<string?>> check)
    {
        lock (_gate) _checks.Add((name, check));
    }

    public async Task<HealthReport> ReadyAsync(CancellationToken ct)
    {
        lock (_gate)
            if (_last is { } last && DateTime.UtcNow - last.At < CacheFor) return last.Report;
        List<(string Name, Func<CancellationToken, Task<string?>> Check)> checks;
        lock (_gate) checks = [.. _checks];
        var problems = new List<string>();
        if (checks.Count == 0) problems.Add("starting: nothing running yet");
        foreach (var (name, check) in checks)
        {
            string? problem;
            try
            {
                problem = await check(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                problem = e.Message;
            }
            if (problem is not null) problems.Add($"{name}: {problem}");
        }
        var report = new HealthReport(problems.Count == 0, problems);
        lock (_gate) _last = (DateTime.UtcNow, report);
        return report;
    }

    /// <summary>The database answers a query within two seconds.</summary>
    public static Func<CancellationToken, Task<string?>> Database(Npgsql.NpgsqlDataSource dataSource) => async ct =>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(timeout.Token);
            await using var cmd = new Npgsql.NpgsqlCommand("SELECT 1", conn);
            await cmd.ExecuteScalarAsync(timeout.Token);
            return null;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return "unreachable: " + (e.InnerException ?? e).Message;
        }
    };

    /// <summary>A broker answers a metadata request within two seconds (one admin client, kept).</summary>
    public static Func<CancellationToken, Task<string?>> Broker(string bootstrapServers, KafkaSecurity? security)
    {
        var admin = new Lazy<Confluent.Kafka.IAdminClient>(() => KafkaClients.Admin(bootstrapServers, security: security));
        return _ => Task.Run(() =>
        {
            try
            {
                var metadata = admin.Value.GetMetadata(TimeSpan.FromSeconds(2));
                return metadata.Brokers.Count == 0 ? "no broker answers" : null;
            }
            catch (Confluent.Kafka.KafkaException e)
            {
                return "unreachable: " + e.Error.Reason;
            }
        });
    }
}

public sealed record HealthReport(bool Ready, IReadOnlyList<string> Problems);

/// <summary>
/// GET /health/live (200 while the process runs its host) and GET /health/ready (200 when
/// every readiness check passes, else 503 with the reasons), on their own port so that they
/// answer whatever the worker is doing. Listens on every address in production and staging
/// (an orchestrator probes from outside), on 127.0.0.1 elsewhere.
/// </summary>
public sealed class HealthEndpoint(int port, DeploymentEnvironment environment, WorkerHealth health, ILogger logger) : IHostedService
{
    private WebApplication? _app;

    public Uri? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var host = environment is DeploymentEnvironment.Production or DeploymentEnvironment.Staging ? IPAddress.Any : IPAddress.Loopback;
        builder.WebHost.ConfigureKestrel(k => k.Listen(host, port));
        var app = builder.Build();
        app.MapGet(Observability.LivePath, () => Results.Text("live\n"));
        app.MapGet(Observability.ReadyPath, async (CancellationToken ct) =>
        {
            var report = await health.ReadyAsync(ct);
            return report.Ready
                ? Results.Text("ready\n")
                : Results.Text("not ready: " + string.Join("; ", report.Problems) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        logger.LogInformation("Health endpoint {Url}health/live and {Url}health/ready", Url, Url);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }
}
