using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ContestPipeline.Plumbing.Hosting;

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
                await DatabaseHealthStore.AnswerAsync(conn, timeout.Token);
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
