using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Database;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Work driven by the clock rather than by a message: a contest reaching its lock time, a
/// feed gap expiring, live standings due, a payout to send. A run does its work in one or
/// more transactions through <see cref="JobContext"/>, each with a handler's powers (the
/// outbox, after-commit actions); work that must happen between two transactions, such as a
/// Stripe call, happens between them.
/// </summary>
public interface IJob
{
    /// <summary>
    /// A verb phrase naming the work, e.g. <c>close-entries</c>; also the cause of what it
    /// publishes.
    /// </summary>
    string Name { get; }

    /// <summary>How long to wait after a run that found nothing to do.</summary>
    TimeSpan Interval { get; }

    /// <summary>One run; true when it found work, so the next run starts at once.</summary>
    Task<bool> RunAsync(JobContext context, CancellationToken ct);
}

/// <summary>
/// What a job's run may use: transactions on its worker's schema, the clock, and the worker's
/// <see cref="ViewPublisher"/> for views.
/// </summary>
public sealed class JobContext(NpgsqlDataSource dataSource, Outbox outbox, TimeProvider clock,
    ViewPublisher? views = null)
{
    public TimeProvider Clock => clock;

    /// <summary>
    /// Publishes views (<see cref="ViewPublisher"/>) straight to Kafka, signed as the worker, and waits until the
    /// broker has them. Never for a fact: that goes through a transaction's outbox.
    /// </summary>
    public Task PublishViewsAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken ct) =>
        (views ?? throw new InvalidOperationException("this worker's jobs were given no view publisher"))
        .PublishAsync(messages, ct);

    /// <summary>A view with the envelope headers, as a transaction's publish makes them, occurred now.</summary>
    public OutgoingMessage View<T>(Cause cause, string topic, string key, string messageId, T body)
        where T : IMessage =>
        OutgoingMessage.Create(topic, key, cause.EnvelopeOf<T>(messageId, clock.GetUtcNow()), body);

    /// <summary>
    /// One transaction; what it publishes goes out through the outbox with it. The job names each
    /// message's cause.
    /// </summary>
    public Task<T> InTransactionAsync<T>(string what, Func<TransactionContext, Task<T>> work, CancellationToken ct) =>
        UnitOfWork.RunAsync(dataSource, outbox, clock, what, work, ct);
}

/// <summary>
/// Runs one job until cancelled, by the same error policy as the consume loop: an
/// unavailable database or dependency is waited out with backoff (and the worker stops after
/// <see cref="Limits.DatabaseOutageToleranceMs"/>), a conflict is retried, and a bug (or bad
/// input, which a job never expects) raises a critical alert and stops the worker.
/// </summary>
public sealed class JobRunner(NpgsqlDataSource dataSource, string schema, IJob job, TimeProvider clock, ILogger logger,
    ViewPublisher? views = null)
{
    private readonly Outbox _outbox = new(SqlNames.Identifier(schema));

    public string Name => job.Name;

    public async Task RunAsync(CancellationToken ct)
    {
        var context = new JobContext(dataSource, _outbox, clock, views);
        var failures = 0;
        var conflicts = 0;
        DateTimeOffset? outageStarted = null;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var busy = await job.RunAsync(context, ct);
                (failures, conflicts, outageStarted) = (0, 0, null);
                if (busy) continue;
                wait = job.Interval;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not SimulatedCrashException)
            {
                switch (ErrorPolicy.Classify(e))
                {
                    case FailureKind.Transient:
                        outageStarted ??= clock.GetUtcNow();
                        if (clock.GetUtcNow() - outageStarted
                            > TimeSpan.FromMilliseconds(Limits.DatabaseOutageToleranceMs))
                            throw new WorkerStoppedException(
                                $"job {job.Name}: a dependency was unavailable for too long: {e.Message}", e);
                        failures++;
                        wait = Backoff.Exponential(failures, 200, Limits.DatabaseRetryBackoffMsMax);
                        logger.LogWarning(
                            "Job {Job} could not run ({Failures} in a row), retrying in {DelayMs} ms: {Error}",
                            job.Name, failures, (int)wait.TotalMilliseconds, e.Message);
                        break;
                    case FailureKind.Conflict when ++conflicts <= Limits.ConflictRetriesMax:
                        wait = Backoff.Exponential(conflicts, Limits.ConflictBackoffMs, Limits.ConflictBackoffMsMax);
                        logger.LogInformation(
                            "Job {Job} conflicted with another transaction (retry {Retry}): {Error}",
                            job.Name, conflicts, e.Message);
                        break;
                    default:
                        await StopOnBugAsync(context, e, ct);
                        return;
                }
            }
            try { await Task.Delay(wait, clock, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task StopOnBugAsync(JobContext context, Exception error, CancellationToken ct)
    {
        var message = $"job {job.Name} of {schema} hit a bug: {error.GetType().Name}: {error.Message}; "
            + "the worker stopped. Fix the cause and restart it.";
        logger.LogCritical(error, "{Message}", message);
        try
        {
            await context.InTransactionAsync("bug alert", c =>
            {
                c.RaiseAlert(schema, AlertSeverities.Critical, "worker_stopped_on_bug", $"job {job.Name}", message,
                    $"{job.Name}:{error.GetType().Name}:{DeadLetters.Fingerprint(error.Message)}");
                return Task.FromResult(true);
            }, ct);
        }
        catch (Exception alertError) when (alertError is not OperationCanceledException)
        {
            logger.LogCritical(alertError, "Job {Job}: the bug alert could not be written either", job.Name);
        }
        throw new WorkerStoppedException(message, error);
    }
}

/// <summary>
/// One transaction with a handler's powers (the outbox, after-commit actions) for work that
/// is not a consumed message: a job's run, or recording a Stripe call's result, where the call
/// itself must happen between two transactions.
/// </summary>
public static class UnitOfWork
{
    public static async Task<T> RunAsync<T>(NpgsqlDataSource dataSource, Outbox outbox, TimeProvider clock, string what,
        Func<TransactionContext, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(work);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        TransactionContext context;
        T result;
        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            context = new TransactionContext(conn, tx, clock);
            result = await work(context);
            await outbox.AddAsync(conn, tx, context.Outgoing, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (ErrorPolicy.ConnectionLost(conn, e))
        {
            throw new DatabaseConnectionLostException(e);
        }
        try
        {
            context.RunCommitted();
        }
        catch (Exception e)
        {
            throw new InvariantViolatedException($"{what}: an after-commit action failed", e);
        }
        return result;
    }
}
