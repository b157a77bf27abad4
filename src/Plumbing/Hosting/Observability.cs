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
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// What an on-call engineer gets from every process, wired in one place (after eShop's
/// ServiceDefaults): logs (JSON lines in production, plain locally, each line inside a
/// message's scope carrying its ids and coordinates), metrics and traces through OpenTelemetry's
/// hosting (exported over OTLP when an endpoint is set), and liveness, readiness and a Prometheus
/// scrape on a small HTTP port when one is set.
/// </summary>
public static class Observability
{
    /// <summary>
    /// Where to send metrics and traces (OTLP over gRPC, e.g. http://otel-collector:4317); unset:
    /// nothing is exported.
    /// </summary>
    public const string OtlpEndpointVariable = "CONTESTPIPELINE_OTLP_ENDPOINT";

    /// <summary>json or plain; json by default in production and staging, plain elsewhere.</summary>
    public const string LogFormatVariable = "CONTESTPIPELINE_LOG_FORMAT";

    /// <summary>
    /// The health endpoint's port: unset for none (the local default), 0 for any free one (its URL
    /// is logged).
    /// </summary>
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
    public static void ConfigureLogging(ILoggingBuilder logging, IConfiguration? configuration,
        DeploymentEnvironment environment)
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
    /// OpenTelemetry the standard way (<c>AddOpenTelemetry().WithMetrics().WithTracing()</c>): the
    /// pipeline's meters and spans, exported over OTLP when <see cref="OtlpEndpointVariable"/> is
    /// set, and scraped by Prometheus at <see cref="MetricsPath"/> on the health port; the health
    /// checks the framework's health-check services run (registered by the host with
    /// <c>AddHealthChecks()</c>); and, when <see cref="HealthPortVariable"/> is set, the health port
    /// itself (<see cref="HealthEndpoint"/>).
    /// </summary>
    public static IServiceCollection AddPipelineObservability(this IServiceCollection services, string service,
        IConfiguration? configuration, DeploymentEnvironment environment)
    {
        var otlp = Setting.Url(configuration, OtlpEndpointVariable);
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(service, serviceNamespace: "contestpipeline").AddAttributes(
                [new KeyValuePair<string, object>("deployment.environment.name",
                    DeploymentEnvironments.Name(environment))]))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineTelemetry.MeterName, PipelineTelemetry.WebhooksMeterName)
                    .AddPrometheusExporter();
                if (otlp is not null) metrics.AddOtlpExporter(o => o.Endpoint = otlp);
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineTelemetry.ActivitySourceName);
                if (otlp is not null) tracing.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        services.AddHealthChecks();
        if (HealthPort(configuration) is { } port)
            services.AddHostedService(sp => new HealthEndpoint(port, environment,
                sp.GetRequiredService<HealthCheckService>(), sp.GetRequiredService<MeterProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("ContestPipeline.Health")));
        return services;
    }

    /// <summary>Prometheus's scrape path on the health port.</summary>
    public const string MetricsPath = "/metrics";
}

/// <summary>The health checks every worker registers: the database and the broker answer.</summary>
public static class PipelineHealthChecks
{
    /// <summary>The database answers a query within two seconds.</summary>
    public static IHealthChecksBuilder AddDatabase(this IHealthChecksBuilder checks,
        Func<IServiceProvider, NpgsqlDataSource> dataSource) =>
        checks.Add(new HealthCheckRegistration("postgres", sp => new Probe(async ct =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await using var conn = await dataSource(sp).OpenConnectionAsync(timeout.Token);
                await using var cmd = new NpgsqlCommand("SELECT 1", conn);
                await cmd.ExecuteScalarAsync(timeout.Token);
                return null;
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                return "unreachable: " + (e.InnerException ?? e).Message;
            }
        }), HealthStatus.Unhealthy, null));

    /// <summary>A broker answers a metadata request within two seconds (one admin client, kept).</summary>
    public static IHealthChecksBuilder AddBroker(this IHealthChecksBuilder checks, string bootstrapServers,
        KafkaSecurity? security)
    {
        var admin = new Lazy<Confluent.Kafka.IAdminClient>(
            () => KafkaClients.Admin(bootstrapServers, security: security));
        return checks.Add(new HealthCheckRegistration("kafka", _ => new Probe(_ => Task.Run(() =>
        {
            try
            {
                return admin.Value.GetMetadata(TimeSpan.FromSeconds(2)).Brokers.Count == 0 ? "no broker answers" : null;
            }
            catch (Confluent.Kafka.KafkaException e)
            {
                return "unreachable: " + e.Error.Reason;
            }
        })), HealthStatus.Unhealthy, null));
    }

    /// <summary>A check from a function that returns null when healthy, else why not (one line).</summary>
    public static IHealthChecksBuilder AddProbe(this IHealthChecksBuilder checks, string name,
        Func<IServiceProvider, CancellationToken, Task<string?>> probe) =>
        checks.Add(new HealthCheckRegistration(name, sp => new Probe(ct => probe(sp, ct)), HealthStatus.Unhealthy,
            null));

    private sealed class Probe(Func<CancellationToken, Task<string?>> probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context,
            CancellationToken cancellationToken = default) =>
            await probe(cancellationToken) is { } problem
                ? HealthCheckResult.Unhealthy(problem)
                : HealthCheckResult.Healthy();
    }
}

/// <summary>
/// The health port: GET /health/live (200 while the process runs its host), GET /health/ready (200
/// when every health check of the host passes, else 503 with the reasons; results kept for a
/// second, so a busy prober costs one round of checks a second at most) and GET /metrics
/// (Prometheus's scrape of the host's meters). On their own port so that they answer whatever the
/// worker is doing. Listens on every address in production and staging (an orchestrator probes
/// from outside), on 127.0.0.1 elsewhere.
/// </summary>
public sealed class HealthEndpoint(int port, DeploymentEnvironment environment, HealthCheckService checks,
    MeterProvider meters, ILogger logger) : IHostedService
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private (DateTime At, HealthReport Report)? _last;
    private WebApplication? _app;

    public Uri? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var host = environment is DeploymentEnvironment.Production or DeploymentEnvironment.Staging
            ? IPAddress.Any
            : IPAddress.Loopback;
        builder.WebHost.ConfigureKestrel(k => k.Listen(host, port));
        var app = builder.Build();
        app.MapGet(Observability.LivePath, () => Results.Text("live\n"));
        app.MapGet(Observability.ReadyPath, async (CancellationToken ct) =>
        {
            var report = await ReadyAsync(ct);
            var problems = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy)
                .Select(e =>
                    $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? e.Value.Status.ToString()}")
                .ToList();
            if (report.Entries.Count == 0) problems.Add("starting: nothing running yet");
            return problems.Count == 0
                ? Results.Text("ready\n")
                : Results.Text("not ready: " + string.Join("; ", problems) + "\n",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPrometheusScrapingEndpoint(Observability.MetricsPath, meters, null, null);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        Url = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        logger.LogInformation("Health endpoint {Url}health/live and {Url}health/ready, metrics {Url}metrics",
            Url, Url, Url);
    }

    private async Task<HealthReport> ReadyAsync(CancellationToken ct)
    {
        lock (_gate)
            if (_last is { } last && DateTime.UtcNow - last.At < CacheFor) return last.Report;
        var report = await checks.CheckHealthAsync(ct);
        lock (_gate) _last = (DateTime.UtcNow, report);
        return report;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }
}
