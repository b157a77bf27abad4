using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// Runs a worker process: reads and checks its settings and probes Postgres and Kafka (one
/// clear line and exit code 2 if anything is wrong), checks that its schema is migrated, then
/// runs the outbox relay, every consume loop and every job until stopped. If any of them
/// stops by itself (a bug, an outage past its tolerance) the worker stops loudly: the others
/// are stopped, the relay delivers what is committed (the bug's alert among it), and the
/// process exits with code 1.
/// </summary>
public static class PipelineWorker
{
    public const int ExitStartupFailed = 2;
    public const int ExitStopped = 1;

    public static async Task<int> RunAsync(string[] args, WorkerDefinition worker,
        Action<IServiceCollection>? configure = null)
    {
        IHost built;
        try
        {
            built = await BuildAsync(args, worker, configure);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"{worker.Name}: {e.Message}");
            return ExitStartupFailed;
        }

        using var host = built;
        try
        {
            // Settings are read and validated here, before any loop starts (ValidateOnStart).
            await host.StartAsync();
        }
        catch (Exception e) when (StartupProblem(e) is { } problem)
        {
            await Console.Error.WriteLineAsync($"{worker.Name}: {problem}");
            return ExitStartupFailed;
        }
        catch (OperationCanceledException) when (Environment.ExitCode == ExitStopped)
        {
            // The worker stopped on a failure (logged and alerted) while the host was still
            // starting its other services, which were cancelled with it: the same stop, not a crash.
            return ExitStopped;
        }
        await host.WaitForShutdownAsync();
        return Environment.ExitCode;
    }

    /// <summary>
    /// The worker's host, its settings read and Postgres and Kafka probed (a <see cref="StartupException"/>
    /// naming what is wrong otherwise), not started: RunAsync runs it as a process; tests may run
    /// several in one process (settings as "--NAME=value" arguments).
    /// </summary>
    public static async Task<IHost> BuildAsync(string[] args, WorkerDefinition worker,
        Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var builder = Host.CreateApplicationBuilder(args);
        var settings = PipelineSettings.Resolve(builder.Configuration);
        Observability.ConfigureLogging(builder.Logging, builder.Configuration, settings.Environment);
        // A start-up failure is one line of ours, not the host's exception dump as well.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddPipelineWorker(worker, settings, builder.Configuration);
        builder.Services.AddPipelineObservability(worker.Name, builder.Configuration, settings.Environment);
        // A worker signs everything it publishes on an internal topic: without its key it does not start.
        var keys = SigningKeys.Resolve(builder.Configuration, settings.Environment);
        builder.Services.AddSingleton(keys.SignerFor(worker.Name, readersOf: worker.Shape.ReadersOf));
        builder.Services.AddSingleton(keys.Verifier(worker.Name));
        configure?.Invoke(builder.Services);
        await CheckPostgresAsync(settings.PostgresConnectionString);
        KafkaClients.ProbeBroker(settings.KafkaBootstrapServers,
            TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs),
            worker.RequiredTopics, settings.KafkaSecurity);
        return builder.Build();
    }

    /// <summary>The one line a settings failure at start comes to, or null when it is not one.</summary>
    public static string? StartupProblem(Exception e) => e switch
    {
        StartupException s => s.Message,
        OptionsValidationException v => string.Join("; ", v.Failures),
        AggregateException a
            when a.InnerExceptions.Count > 0 && a.InnerExceptions.All(i => StartupProblem(i) is not null) =>
            string.Join("; ", a.InnerExceptions.Select(i => StartupProblem(i))),
        _ => null,
    };

    public static IServiceCollection AddPipelineWorker(this IServiceCollection services, WorkerDefinition worker,
        PipelineSettings settings, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(worker);
        DapperDefaults.Apply();
        services.AddSingleton(settings);
        services.AddSingleton(worker);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(configuration);
        services.AddSingleton(CrashPoints.FromSettings(configuration, settings.Environment));
        services.AddSingleton(Throttles.FromSettings(configuration, settings.Environment));
        services.AddSingleton(_ => NpgsqlDataSource.Create(settings.PostgresConnectionString));
        services.AddHostedService<WorkerService>();
        // Ready once the database and a broker answer and every consume loop has joined its group.
        services.AddSingleton<WorkerReadiness>();
        services.AddHealthChecks()
            .AddDatabase(sp => sp.GetRequiredService<NpgsqlDataSource>())
            .AddBroker(settings.KafkaBootstrapServers, settings.KafkaSecurity)
            .AddProbe("consumers", (sp, _) => Task.FromResult(sp.GetRequiredService<WorkerReadiness>().Problem()));
        worker.Services?.Invoke(services, configuration);
        return services;
    }

    /// <summary>
    /// Opens one connection; failure is one line naming the server and database. A server that is
    /// there but slow to answer (a busy machine) is asked again, a bounded number of times; one
    /// that refuses or rejects the role fails at once.
    /// </summary>
    public static async Task CheckPostgresAsync(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        // Npgsql's own connect timeout (15 s unless set) would cut the probe short on a busy host.
        var probe = new NpgsqlConnectionStringBuilder(connectionString)
            { Timeout = Limits.PostgresProbeTimeoutMs / 1000 }.ConnectionString;
        using var cts = new CancellationTokenSource(Limits.PostgresProbeTimeoutMs);
        PostgresException? restarting = null;
        try
        {
            while (true)
            {
                try
                {
                    await using var conn = new NpgsqlConnection(probe);
                    await conn.OpenAsync(cts.Token);
                    return;
                }
                // Postgres answered that it is shutting down or starting up (a restart): it is
                // there, so the probe waits for it, within its timeout, rather than fail the start.
                catch (PostgresException e) when ((e.SqlState is PostgresErrorCodes.CannotConnectNow
                    or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown)
                    && !cts.IsCancellationRequested)
                {
                    restarting = e;
                    await Task.Delay(250, cts.Token);
                }
            }
        }
        catch (Exception caught) when (caught is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            var e = caught is OperationCanceledException && restarting is not null ? restarting : caught;
            var why = e is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : (e.InnerException ?? e).Message;
            throw new StartupException(
                $"Postgres unreachable at {csb.Host}:{csb.Port} (database {csb.Database}, user {csb.Username}): {why}",
                e);
        }
    }
}
