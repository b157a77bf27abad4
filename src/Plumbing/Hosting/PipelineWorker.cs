using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
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

    private sealed class WorkerService(
        WorkerDefinition worker, PipelineSettings settings, NpgsqlDataSource dataSource, CrashPoints crashPoints,
        Throttles throttles,
        TimeProvider clock, IServiceProvider services, IHostApplicationLifetime lifetime, ILoggerFactory loggers,
        MessageSigner signer, MessageVerifier verifier, WorkerReadiness readiness) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var logger = loggers.CreateLogger("ContestPipeline." + worker.Name);
            using var loops = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            OutboxRelay? relay = null;
            try
            {
                await WaitOutOutagesAsync("migrations", ct => MigrateAsync(logger, ct), logger, stoppingToken);
                if (worker.Warmup is { } warmup)
                    await WaitOutOutagesAsync("warm-up", ct => warmup(services, ct), logger, stoppingToken);
                using var producer = KafkaClients.Producer(KafkaClients.ProducerConfig(settings.KafkaBootstrapServers,
                    worker.Name + ".relay", settings.KafkaSecurity), logger);
                var relayOptions = new OutboxRelayOptions
                    { Schema = worker.Name, BatchSizeMax = settings.OutboxBatchSizeMax, Signer = signer };
                relay = new OutboxRelay(dataSource, producer, relayOptions, crashPoints,
                    loggers.CreateLogger<OutboxRelay>());
                var consumers = worker.Consumers.Select(c => new InboxConsumer(dataSource,
                    settings.KafkaBootstrapServers, c.Handlers(services), new InboxConsumerOptions
                    {
                        Consumer = c.Consumer, Schema = worker.Name, Topics = c.Topics,
                        BatchSizeMax = settings.ConsumerBatchSizeMax, Verifier = verifier,
                        Security = settings.KafkaSecurity,
                        PartitionOwner = c.PartitionOwner?.Invoke(services),
                        BatchDelay = throttles.BeforeBatch(c.Consumer),
                    },
                    crashPoints, clock, loggers.CreateLogger("ContestPipeline.Consumer." + c.Consumer))).ToList();
                readiness.Consumers = () =>
                {
                    var waiting = consumers.Where(c => !c.Joined).Select(c => c.Name).ToList();
                    return waiting.Count == 0 ? null : "not joined yet: " + string.Join(", ", waiting);
                };
                // Views go out through the relay's producer, signed as the relay signs.
                var views = new ViewPublisher(producer, signer, relayOptions.DeliveryTimeout);
                var jobs = (worker.Jobs?.Invoke(services) ?? []).Select(j => new JobRunner(dataSource, worker.Name, j,
                    clock, loggers.CreateLogger("ContestPipeline.Job." + j.Name), views)).ToList();
                LogRunning(logger, jobs);
                using var reserved = ThreadReservation.Take(consumers.Count + jobs.Count + 2);

                var runningRelay = relay;
                var retention = new RetentionPartitions(dataSource, worker.Name, worker.InboxRetention,
                    loggers.CreateLogger("ContestPipeline.Retention"));
                var tasks = consumers.Select(c => Task.Run(() => c.RunAsync(loops.Token), CancellationToken.None))
                    .Append(Task.Run(() => retention.RunAsync(loops.Token), CancellationToken.None))
                    .Concat(jobs.Select(j => Task.Run(() => j.RunAsync(loops.Token), CancellationToken.None)))
                    .Append(Task.Run(() => runningRelay.RunAsync(loops.Token), CancellationToken.None)).ToList();
                // Any loop that ends on its own while the host is running has failed: stop the
                // whole worker loudly rather than run with a part missing.
                var first = await Task.WhenAny(tasks);
                if (!stoppingToken.IsCancellationRequested)
                {
                    await loops.CancelAsync();
                    await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                    await first;
                    throw new WorkerStoppedException("a worker loop stopped unexpectedly",
                        new InvalidOperationException("loop returned"));
                }
                await Task.WhenAll(tasks);
                // A normal stop delivers what the loops committed last, for a bounded time, rather
                // than leave it to the next start: the relay's poll may not have come round yet.
                await DrainAsync(runningRelay, logger);
                producer.Flush(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogCritical(e, "Worker {Worker} stopped: {Error}", worker.Name, e.Message);
                if (relay is not null) await DrainAsync(relay, logger);
                Environment.ExitCode = ExitStopped;
                lifetime.StopApplication();
            }
        }

        /// <summary>
        /// Each consume loop blocks a pool thread in librdkafka's poll (100 ms at a time). The pool
        /// starts with one thread per core and adds one about every half second when starved: on
        /// two cores the loops took every thread, and the jobs' and the relay's continuations
        /// waited seconds behind them (a settlement started 4 s after its worker did). The pool
        /// keeps a thread for every loop while the worker runs, and gives them back when it stops:
        /// a process that starts and stops workers many times (the tests) keeps the minimum it had.
        /// </summary>
        private sealed class ThreadReservation(int threads) : IDisposable
        {
            private static readonly Lock Gate = new();
            private int _threads = threads;

            public static ThreadReservation Take(int threads)
            {
                Adjust(threads);
                return new ThreadReservation(threads);
            }

            public void Dispose() => Adjust(-Interlocked.Exchange(ref _threads, 0));

            private static void Adjust(int by)
            {
                lock (Gate)
                {
                    ThreadPool.GetMinThreads(out var workers, out var io);
                    ThreadPool.SetMinThreads(Math.Max(1, workers + by), io);
                }
            }
        }

        private void LogRunning(ILogger logger, List<JobRunner> jobs) =>
            logger.LogInformation(
                "Worker {Worker} running ({Environment}): relay for schema {Schema} signing as {Producer} "
                + "for {PairKeys}, consumers {Consumers}, jobs {Jobs}",
                worker.Name, DeploymentEnvironments.Name(settings.Environment), worker.Name, signer.Producer,
                signer.PairKeys.Count == 0 ? "nobody" : string.Join(", ", signer.PairKeys),
                string.Join(", ", worker.Consumers.Select(c => c.Consumer)),
                string.Join(", ", jobs.Select(j => j.Name)));

        /// <summary>
        /// Start-up work on the database, retried while Postgres is unavailable (restarting as the
        /// worker starts): waited out like any outage, up to the outage tolerance; never a bug.
        /// </summary>
        private async Task WaitOutOutagesAsync(string what, Func<CancellationToken, Task> work, ILogger logger,
            CancellationToken ct)
        {
            var started = clock.GetUtcNow();
            for (var failures = 1; ; failures++)
            {
                try
                {
                    await work(ct);
                    return;
                }
                catch (Exception e) when (ErrorPolicy.IsTransient(e) && !ct.IsCancellationRequested)
                {
                    var down = clock.GetUtcNow() - started;
                    if (down > TimeSpan.FromMilliseconds(Limits.DatabaseOutageToleranceMs))
                        throw new WorkerStoppedException(
                            $"{worker.Name}: {what}: the database was unavailable for {down.TotalSeconds:F0} s: "
                            + $"{e.Message}", e);
                    var wait = Backoff.Exponential(failures, 200, Limits.DatabaseRetryBackoffMsMax);
                    logger.LogWarning(
                        "Worker {Worker}: {What} could not run ({Failures} in a row), retry in {DelayMs} ms: {Error}",
                        worker.Name, what, failures, (int)wait.TotalMilliseconds, e.Message);
                    await Task.Delay(wait, clock, ct);
                }
            }
        }

        /// <summary>
        /// Checks that the migrate job (cpctl migrate, as the migrator role) has applied every
        /// migration of the worker's schema, unchanged. A worker never changes a schema: its role
        /// owns nothing, in every environment, as in production. Postgres unavailable is waited
        /// out by the caller (<see cref="WaitOutOutagesAsync"/>).
        /// </summary>
        private Task MigrateAsync(ILogger logger, CancellationToken ct) =>
            new Migrator(dataSource, worker.Name, worker.AllMigrations, logger).VerifyAsync(ct);

        /// <summary>Delivers what is committed in the outbox (a bug's alert among it), for a bounded time.</summary>
        private static async Task DrainAsync(OutboxRelay relay, ILogger logger)
        {
            using var timeout = new CancellationTokenSource(Limits.StopDrainTimeoutMs);
            try
            {
                while (await relay.PublishBatchAsync(timeout.Token) > 0) { }
            }
            catch (Exception e)
            {
                logger.LogWarning("Worker stopping: the outbox could not be drained: {Error}", e.Message);
            }
        }
    }
}
