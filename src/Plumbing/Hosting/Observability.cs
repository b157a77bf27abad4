using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
