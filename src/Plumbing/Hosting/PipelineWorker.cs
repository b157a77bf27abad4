using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>One consume loop of a worker: its name, topics and handlers.</summary>
public sealed record ConsumerDefinition(string Consumer, IReadOnlyList<string> Topics, Func<IServiceProvider, IReadOnlyList<IMessageHandler>> Handlers);

/// <summary>
/// What makes a worker: its name (also its schema), its migrations, its consume loops, the
/// jobs its clock drives, and its own services.
/// </summary>
public sealed record WorkerDefinition(string Name, IReadOnlyList<Migration> Migrations, IReadOnlyList<ConsumerDefinition> Consumers)
{
    public Func<IServiceProvider, IReadOnlyList<IPeriodicJob>>? Jobs { get; init; }

    /// <summary>
    /// Long-running loops of the worker's own (e.g. Payout's dispatcher, whose Stripe calls must
    /// happen between two transactions), started with the consume loops after migrations.
    /// </summary>
    public Func<IServiceProvider, IReadOnlyList<IWorkerLoop>>? Loops { get; init; }

    /// <summary>Registers the worker's own services (domain state, the Stripe client ...).</summary>
    public Action<IServiceCollection, PipelineSettings>? Services { get; init; }

    /// <summary>Runs after migrations and before any loop starts: e.g. loads in-memory state from the database.</summary>
    public Func<IServiceProvider, CancellationToken, Task>? Warmup { get; init; }

    /// <summary>The schema's migrations: the messaging core's first, then the worker's own.</summary>
    public IReadOnlyList<Migration> AllMigrations => [.. Migration.Plumbing, .. Migrations];
}

/// <summary>A loop a worker runs beside its consumers until stopped; returning early or throwing stops the worker.</summary>
public interface IWorkerLoop
{
    string Name { get; }
    Task RunAsync(CancellationToken ct);
}

/// <summary>
/// Runs a worker process: checks Postgres and Kafka (one clear line and exit code 2 if
/// either is missing), applies the schema's migrations, then runs the outbox relay and
/// every consume loop until stopped.
/// </summary>
public static class PipelineWorker
{
    public const int ExitStartupFailed = 2;

    public static async Task<int> RunAsync(string[] args, WorkerDefinition worker, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        PipelineSettings settings;
        try
        {
            settings = PipelineSettings.Resolve(builder.Configuration);
            await CheckPostgresAsync(settings.PostgresConnectionString);
            KafkaClients.ProbeBroker(settings.KafkaBootstrapServers, TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs));
            // A worker's own services check their settings as they register (the Stripe key ...).
            builder.Services.AddPipelineWorker(worker, settings);
            configure?.Invoke(builder.Services);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"{worker.Name}: {e.Message}");
            return ExitStartupFailed;
        }

        using var host = builder.Build();
        await host.RunAsync();
        return Environment.ExitCode;
    }

    public static IServiceCollection AddPipelineWorker(this IServiceCollection services, WorkerDefinition worker, PipelineSettings settings)
    {
        DapperDefaults.Apply();
        services.AddSingleton(settings);
        services.AddSingleton(worker);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => CrashPoints.FromEnvironment());
        services.AddSingleton(_ => NpgsqlDataSource.Create(settings.PostgresConnectionString));
        services.AddHostedService<WorkerService>();
        worker.Services?.Invoke(services, settings);
        return services;
    }

    /// <summary>Opens one connection; failure is one line naming the server and database.</summary>
    public static async Task CheckPostgresAsync(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        try
        {
            await using var conn = new NpgsqlConnection(connectionString);
            using var cts = new CancellationTokenSource(Limits.StartupProbeTimeoutMs);
            await conn.OpenAsync(cts.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            var why = e is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : (e.InnerException ?? e).Message;
            throw new StartupException($"Postgres unreachable at {csb.Host}:{csb.Port} (database {csb.Database}, user {csb.Username}): {why}", e);
        }
    }

    private sealed class WorkerService(
        WorkerDefinition worker, PipelineSettings settings, NpgsqlDataSource dataSource, CrashPoints crashPoints,
        TimeProvider clock, IServiceProvider services, IHostApplicationLifetime lifetime, ILoggerFactory loggers) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var logger = loggers.CreateLogger("ContestPipeline." + worker.Name);
            try
            {
                await new Migrator(dataSource, worker.Name, worker.AllMigrations, logger).ApplyAsync(stoppingToken);
                if (worker.Warmup is not null) await worker.Warmup(services, stoppingToken);
                using var producer = KafkaClients.Producer(KafkaClients.ProducerConfig(settings.KafkaBootstrapServers, worker.Name + ".relay"), logger);
                var relay = new OutboxRelay(dataSource, producer, new OutboxRelayOptions { Schema = worker.Name, BatchSizeMax = settings.OutboxBatchSizeMax }, crashPoints,
                    loggers.CreateLogger<OutboxRelay>());
                var loops = worker.Consumers.Select(c => new InboxConsumer(dataSource, settings.KafkaBootstrapServers, c.Handlers(services),
                    new InboxConsumerOptions { Consumer = c.Consumer, Schema = worker.Name, Topics = c.Topics, BatchSizeMax = settings.ConsumerBatchSizeMax },
                    crashPoints, clock, loggers.CreateLogger("ContestPipeline.Consumer." + c.Consumer)));
                logger.LogInformation("Worker {Worker} running: relay for schema {Schema}, consumers {Consumers}",
                    worker.Name, worker.Name, string.Join(", ", worker.Consumers.Select(c => c.Consumer)));
                var jobs = (worker.Jobs?.Invoke(services) ?? []).Select(j =>
                    new PeriodicJobRunner(dataSource, worker.Name, j, clock, loggers.CreateLogger("ContestPipeline.Job." + j.Name)));
                var own = worker.Loops?.Invoke(services) ?? [];
                var tasks = loops.Select(l => Task.Run(() => l.RunAsync(stoppingToken), CancellationToken.None))
                    .Concat(jobs.Select(j => Task.Run(() => j.RunAsync(stoppingToken), CancellationToken.None)))
                    .Concat(own.Select(l => Task.Run(() => l.RunAsync(stoppingToken), CancellationToken.None)))
                    .Append(Task.Run(() => relay.RunAsync(stoppingToken), CancellationToken.None)).ToList();
                // Any loop that ends on its own while the host is running has failed: stop the
                // whole worker loudly rather than run with a part missing.
                var first = await Task.WhenAny(tasks);
                if (!stoppingToken.IsCancellationRequested)
                {
                    await first;
                    throw new InvalidOperationException("a worker loop stopped unexpectedly");
                }
                await Task.WhenAll(tasks);
                producer.Flush(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogCritical(e, "Worker {Worker} stopped: {Error}", worker.Name, e.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        }
    }
}
