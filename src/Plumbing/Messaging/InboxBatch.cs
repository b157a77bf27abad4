using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What becomes of a batch, by <see cref="ErrorPolicy"/>: first applied whole in one transaction;
/// if that fails it is rolled back and its messages are applied one at a time, so that each failure
/// is the failing message's own. Each then climbs the ladder of outcomes: done, dead-lettered
/// (rejected), waited out (transient), retried (conflict), or the loop stops (bug) with the message
/// uncommitted. Offsets are stored after each commit, never past a message not done.
/// </summary>
internal sealed class InboxBatch(InboxTransaction transaction, IReadOnlyDictionary<string, IMessageHandler> handlers,
    InboxConsumerOptions options, InboxConsumerStats stats, ConsumerIncidents incidents, TimeProvider clock,
    ILogger logger)
{
    private readonly MessageVerifier _verifier = options.Verifier ?? MessageVerifier.NoKeys;

    /// <summary>
    /// Reads and applies <paramref name="results"/> and stores the offsets of what is done, through
    /// <paramref name="storeOffsets"/>; returns early (offsets of the rest not stored) when cancelled.
    /// </summary>
    public async Task ApplyAsync(List<ConsumeResult<byte[]?, byte[]?>> results,
        Action<IEnumerable<InboxItem>> storeOffsets, CancellationToken ct)
    {
        try
        {
            await ApplyBatchAsync(results, storeOffsets, ct);
        }
        finally
        {
            // What a handler wrote may be a job's work: the worker's jobs look now rather than at their idle pace.
            Wakeup.For(options.Schema).Pulse();
        }
    }

    private async Task ApplyBatchAsync(List<ConsumeResult<byte[]?, byte[]?>> results,
        Action<IEnumerable<InboxItem>> storeOffsets, CancellationToken ct)
    {
        if (options.BatchDelay > TimeSpan.Zero) await DelayAsync(options.BatchDelay, ct);
        if (ct.IsCancellationRequested) return;
        var items = results.Select(r => InboxItem.Classify(r, _verifier, handlers)).ToList();
        stats.AddReceived(items.Count);
        InboxItem? failed = null;
        Exception? failedError = null;
        if (items.Count > 1)
        {
            var outageStarted = (DateTimeOffset?)null;
            while (true)
            {
                try
                {
                    await transaction.ApplyAsync(items, ct);
                    storeOffsets(items);
                    return;
                }
                catch (Exception e) when (ErrorPolicy.IsTransient(e))
                {
                    outageStarted ??= clock.GetUtcNow();
                    await incidents.WaitOutOutageAsync(e, outageStarted.Value, ct);
                    if (ct.IsCancellationRequested) return;
                }
                catch (Exception e) when (ShuttingDown(e, ct))
                {
                    return;
                }
                catch (Exception e) when (e is not (SimulatedCrashException or WorkerStoppedException))
                {
                    // Which message failed is only sure when the batch is applied one at a
                    // time; that pass meets a bug again and stops there, after the messages
                    // before it.
                    failed = (e as InboxTransaction.HandlerFailedException)?.Item;
                    failedError = e.InnerException ?? e;
                    logger.LogInformation(
                        "Consumer {Consumer}: batch of {Count} rolled back ({Error}); applying one at a time",
                        options.Consumer, items.Count, (e.InnerException ?? e).Message);
                    break;
                }
            }
        }
        foreach (var item in items)
        {
            // A rejection found in the batch needs no second try.
            await ApplyOneAsync(item, ReferenceEquals(item, failed) ? failedError : null, ct);
            if (!item.Done) return;
            storeOffsets([item]);
        }
    }

    /// <summary>
    /// Applies one message by the error policy: done, dead-lettered (rejected), waited out
    /// (transient), retried (conflict), or the loop stops (bug).
    /// </summary>
    private async Task ApplyOneAsync(InboxItem item, Exception? earlierError, CancellationToken ct)
    {
        if (earlierError is MessageRejectedException rejectedInBatch)
        {
            await transaction.DeadLetterAsync(item, rejectedInBatch.Reason, rejectedInBatch.Severity, ct);
            return;
        }
        var conflicts = 0;
        var outageStarted = (DateTimeOffset?)null;
        while (!ct.IsCancellationRequested)
        {
            Exception error;
            try
            {
                await transaction.ApplyAsync([item], ct);
                return;
            }
            catch (Exception e) when (ShuttingDown(e, ct))
            {
                return;
            }
            catch (Exception e) when (e is not (SimulatedCrashException or WorkerStoppedException))
            {
                error = e is InboxTransaction.HandlerFailedException ? e.InnerException! : e;
            }
            switch (ErrorPolicy.Classify(error))
            {
                case FailureKind.Rejected:
                    var rejected = (MessageRejectedException)error;
                    await transaction.DeadLetterAsync(item, rejected.Reason, rejected.Severity, ct);
                    return;
                case FailureKind.Transient:
                    outageStarted ??= clock.GetUtcNow();
                    await incidents.WaitOutOutageAsync(error, outageStarted.Value, ct);
                    continue;
                case FailureKind.Conflict when ++conflicts <= options.ConflictRetriesMax:
                    logger.LogInformation(
                        "Consumer {Consumer}: {Type} {MessageId} at {Where} conflicted with another transaction "
                        + "(retry {Retry} of {RetriesMax}): {Error}",
                        options.Consumer, item.Message?.Envelope.Type, item.InboxId, item.Where, conflicts,
                        options.ConflictRetriesMax, error.Message);
                    await DelayAsync(
                        Backoff.Exponential(conflicts, options.ConflictBackoffMs, options.ConflictBackoffMsMax), ct);
                    continue;
                default:
                    await StopOnBugAsync(item, error, conflicts);
                    return;
            }
        }
    }

    /// <summary>
    /// A bug: a critical alert (one per message however often the worker restarts into it),
    /// then the loop stops with the message neither applied nor committed. It is applied once
    /// the bug is fixed and the worker restarted, never dead-lettered.
    /// </summary>
    private async Task StopOnBugAsync(InboxItem item, Exception error, int conflicts)
    {
        var what = conflicts > options.ConflictRetriesMax
            ? $"kept conflicting with other transactions after {options.ConflictRetriesMax} retries"
            : "hit a bug";
        var message = $"{item.Message?.Envelope.Type ?? "message"} {item.InboxId} at {item.Where} {what}: "
            + $"{error.GetType().Name}: {error.Message}; consumer {options.Consumer} stopped with it uncommitted. "
            + "Fix the cause and restart the worker; the message is applied then.";
        await incidents.RaiseStopAlertAsync(item, message, error);
        throw new WorkerStoppedException(message, error);
    }

    /// <summary>
    /// A handler cancelled because the worker is stopping (a Stripe call cut short): no failure
    /// of the message's, which stays uncommitted and is read again by whoever consumes next.
    /// </summary>
    private static bool ShuttingDown(Exception e, CancellationToken ct) =>
        ct.IsCancellationRequested
        && (e is OperationCanceledException || e.InnerException is OperationCanceledException);

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { }
    }
}
