using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Database;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Runs one job until cancelled, by the same error policy as the consume loop: an
/// unavailable database or dependency is waited out with backoff (and the worker stops after
/// <see cref="Limits.DatabaseOutageToleranceMs"/>), a conflict is retried, and a bug (or bad
/// input, which a job never expects) raises a critical alert and stops the worker.
/// </summary>
public sealed class JobRunner(NpgsqlDataSource dataSource, string schema, IJob job, TimeProvider clock, ILogger logger,
    ViewPublisher? views = null)
{
    private readonly OutboxStore _outbox = new(SqlNames.Identifier(schema));

    public string Name => job.Name;

    public async Task RunAsync(CancellationToken ct)
    {
        var context = new JobContext(dataSource, _outbox, clock, views);
        var failures = 0;
        var conflicts = 0;
        DateTimeOffset? outageStarted = null;
        var wakeup = Wakeup.For(schema);
        var quietRuns = 0;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            var seen = wakeup.Version;
            try
            {
                var busy = await job.RunAsync(context, ct);
                (failures, conflicts, outageStarted) = (0, 0, null);
                Hosting.PipelineTelemetry.JobRan(job.Name, "ok");
                if (busy)
                {
                    // Work found may be another job's next step (a payment read, then a refund proven, then sent):
                    // the schema's jobs come back to their own interval, as they do for a write of the consume loop.
                    wakeup.Pulse();
                    continue;
                }
                // A run during which nothing was written in the schema waits longer each time, up to the idle
                // pace; whatever this process writes next brings the job back to its own interval.
                quietRuns = job.KeepsPace || wakeup.Version != seen ? 0 : Math.Min(quietRuns + 1, 16);
                var idle = Wakeup.IdlePace(job.Interval, quietRuns, TimeSpan.FromMilliseconds(Limits.IdlePollMaxMs));
                try { await wakeup.WaitAsync(seen, job.Interval, idle, clock, ct); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not SimulatedCrashException)
            {
                var kind = ErrorPolicy.Classify(e);
                Hosting.PipelineTelemetry.JobRan(job.Name, kind.ToString().ToLowerInvariant());
                switch (kind)
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
