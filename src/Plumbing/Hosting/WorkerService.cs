using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// The worker's one hosted service: checks its schema is migrated and warms it up (waiting out an
/// outage), then runs the outbox relay, every consume loop and every job until stopped; when any of
/// them stops by itself the others are stopped, the outbox drained, and the process exits with code 1.
/// </summary>
internal sealed class WorkerService(
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
            // An operator's rewind lowers this worker's own positions before any consumer takes a partition.
            await WaitOutOutagesAsync("rewinds", ApplyRewindsAsync, logger, stoppingToken);
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
            Environment.ExitCode = PipelineWorker.ExitStopped;
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
    private Task ApplyRewindsAsync(CancellationToken ct) =>
        new ConsumerRewinds(dataSource, settings.KafkaBootstrapServers, settings.KafkaSecurity, worker.Name,
                [.. worker.Consumers.Select(c => (c.Consumer, c.Topics))], verifier, clock,
                loggers.CreateLogger("ContestPipeline.Rewinds"))
            .ApplyAsync(ct);

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
