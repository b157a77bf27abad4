using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace ContestPipeline.Plumbing.Hosting;

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
