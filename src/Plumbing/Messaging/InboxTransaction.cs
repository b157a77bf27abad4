using System.Diagnostics;
using ContestPipeline.Contracts;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// One transaction of the consume loop: claims the messages' inbox rows, runs their handlers,
/// writes what they published to the outbox and commits, all or nothing; then runs the
/// after-commit actions. A message refused on reading is dead-lettered in the same transaction as
/// its inbox row, so it is neither lost nor dead-lettered twice.
/// </summary>
internal sealed class InboxTransaction(
    NpgsqlDataSource dataSource, InboxStore inbox, OutboxStore outbox, string consumer, CrashPoints crashPoints,
    ConsumerTelemetry telemetry, ConsumerIncidents incidents, TimeProvider clock, ILogger logger)
{
    /// <summary>Applies messages in one transaction with their inbox rows. Throws if any handler fails.</summary>
    public async Task ApplyAsync(IReadOnlyList<InboxItem> items, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
        try
        {
            await ApplyOnAsync(conn, items, ct);
        }
        catch (Exception e) when (ErrorPolicy.ConnectionLost(conn, e))
        {
            // Postgres went away under the batch: nothing committed, and the failure is the outage's.
            throw new DatabaseConnectionLostException(e is HandlerFailedException ? e.InnerException! : e);
        }
    }

    private async Task ApplyOnAsync(NpgsqlConnection conn, IReadOnlyList<InboxItem> items, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(CancellationToken.None);
        var context = new HandlerContext(conn, tx, clock);
        var (toApply, rejected, skipped) = await ClaimFreshAsync(conn, tx, context, items);
        // Consecutive messages for the same batch-capable handler are applied in one call;
        // the order of messages, and so per-key order, is kept.
        for (var start = 0; start < toApply.Count;)
        {
            var handler = toApply[start].Handler!;
            var end = start + 1;
            if (handler is IBatchMessageHandler)
                while (end < toApply.Count && ReferenceEquals(toApply[end].Handler, handler)) end++;
            await ApplyRunAsync(handler, toApply, start, end, context, ct);
            start = end;
        }
        var applied = toApply.Count;
        (context.Incoming, context.Cause) = (null, null);
        await outbox.AddAsync(conn, tx, context.Outgoing, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        await RunCommittedAsync(context, items);
        telemetry.CountOutcomes(applied, rejected, duplicates: items.Count - applied - rejected - skipped, skipped);
        crashPoints.Reach(CrashPoints.ConsumerAfterCommit);
        foreach (var item in items) item.Done = true;
    }

    /// <summary>
    /// Claims the inbox rows of the batch: what was seen before is skipped as a duplicate, what was
    /// dead-lettered before is skipped unless re-driven with a grant, a message refused on reading is
    /// dead-lettered here, and the rest is returned to apply, in order.
    /// </summary>
    private async Task<(List<InboxItem> ToApply, int Rejected, int DeadLettersSkipped)> ClaimFreshAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, HandlerContext context, IReadOnlyList<InboxItem> items)
    {
        var (fresh, deadLetters) = await inbox.ClaimAsync(conn, tx, items);
        var toApply = new List<InboxItem>(items.Count);
        var rejected = 0;
        var skipped = 0;
        foreach (var item in items)
        {
            if (!fresh.Remove(item.InboxId))
            {
                if (deadLetters.Contains(item.InboxId)) skipped++;
                continue;
            }
            if (item.Rejection is null)
            {
                toApply.Add(item);
                continue;
            }
            AddDeadLetter(context, item, item.Rejection, item.RejectionSeverity, attempts: 0, code: item.AlertCode);
            rejected++;
        }
        if (skipped > 0)
            logger.LogInformation("Consumer {Consumer}: skipped {Count} message(s) it dead-lettered before, "
                + "delivered again without a re-drive grant", consumer, skipped);
        return (toApply, rejected, skipped);
    }

    /// <summary>
    /// Applies toApply[start..end], all for one handler: in one batch call, or one message with its log scope.
    /// </summary>
    private async Task ApplyRunAsync(IMessageHandler handler, List<InboxItem> toApply, int start, int end,
        HandlerContext context, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var spans = telemetry.StartSpans(toApply, start, end);
        try
        {
            if (end - start > 1)
            {
                (context.Incoming, context.Cause) = (null, null);
                await ((IBatchMessageHandler)handler).HandleBatchAsync(
                    [.. toApply[start..end].Select(i => i.Message!)], context, ct);
            }
            else
            {
                var message = toApply[start].Message!;
                (context.Incoming, context.Cause) = (message, Cause.Of(message.Envelope));
                // Every line logged while the message is handled carries where it came from.
                using var scope = logger.BeginScope(toApply[start].LogScope());
                await handler.HandleAsync(message, context, ct);
            }
            ConsumerTelemetry.EndSpans(spans, null);
        }
        catch (Exception e)
            when (e is not SimulatedCrashException && ErrorPolicy.Classify(e) is not FailureKind.Transient)
        {
            ConsumerTelemetry.EndSpans(spans, e);
            // A failed run cannot say which message failed; the one-at-a-time pass will.
            throw new HandlerFailedException(end - start == 1 ? toApply[start] : null, e);
        }
        catch (Exception e)
        {
            ConsumerTelemetry.EndSpans(spans, e);
            throw;
        }
        finally
        {
            telemetry.RecordHandlerDuration(handler, started);
        }
    }

    /// <summary>
    /// Dead-letters one message in a transaction of its own with its inbox row, waiting out an outage;
    /// a message already in the inbox is counted as a duplicate instead.
    /// </summary>
    public async Task DeadLetterAsync(InboxItem item, string reason, string severity, CancellationToken ct)
    {
        var outageStarted = (DateTimeOffset?)null;
        while (!ct.IsCancellationRequested)
        {
            NpgsqlConnection? conn = null;
            try
            {
                conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
                await using var tx = await conn.BeginTransactionAsync(CancellationToken.None);
                var context = new HandlerContext(conn, tx, clock);
                var rejected = item with { Rejection = reason };
                var (fresh, deadLetters) = await inbox.ClaimAsync(conn, tx, [rejected]);
                var claimed = fresh.Count == 1;
                if (claimed) AddDeadLetter(context, item, reason, severity);
                await outbox.AddAsync(conn, tx, context.Outgoing, CancellationToken.None);
                await tx.CommitAsync(CancellationToken.None);
                await RunCommittedAsync(context, [item]);
                telemetry.CountDeadLetter(claimed, skipped: deadLetters.Count == 1);
                item.Done = true;
                return;
            }
            catch (Exception e) when (ErrorPolicy.IsTransient(e) || ErrorPolicy.ConnectionLost(conn, e))
            {
                outageStarted ??= clock.GetUtcNow();
                await incidents.WaitOutOutageAsync(e, outageStarted.Value, ct);
            }
            finally
            {
                if (conn is not null) await conn.DisposeAsync();
            }
        }
    }

    private void AddDeadLetter(
        HandlerContext context, InboxItem item, string reason, string severity, int attempts = 1,
        string code = "dead_letter")
    {
        var r = item.Result;
        using var scope = logger.BeginScope(item.LogScope());
        context.Cause = item.Message is null ? null : Cause.Of(item.Message.Envelope);
        context.Publish(DeadLetters.Create(consumer, item.InboxId, r.Topic, r.Partition.Value, r.Offset.Value,
            r.Message.Key, r.Message.Value, item.Headers, item.Message?.Envelope.Type, reason, attempts));
        // Bad input is dead-lettered and alerted in one transaction: an operator hears of it once.
        context.RaiseAlert(consumer, severity, code, $"{r.Topic}/{item.InboxId}",
            $"{item.Message?.Envelope.Type ?? "message"} {item.InboxId} from {item.Where} "
            + $"dead-lettered to {Topics.DeadLetter(r.Topic)}: {reason}",
            $"{item.InboxId}:{r.Offset.Value}");
        context.Cause = null;
        logger.LogError("Consumer {Consumer}: dead-lettered {MessageId} from {Where} to {DeadLetterTopic}: {Reason}",
            consumer, item.InboxId, item.Where, Topics.DeadLetter(r.Topic), reason);
    }

    /// <summary>
    /// Runs the after-commit actions (in-memory state that mirrors what was written). One that
    /// fails leaves memory and database disagreeing: the worker stops, whatever pass it is in,
    /// and rebuilds its memory from the database when it starts again.
    /// </summary>
    private async Task RunCommittedAsync(HandlerContext context, IReadOnlyList<InboxItem> items)
    {
        try
        {
            context.RunCommitted();
        }
        catch (Exception e)
        {
            var first = items[0];
            var message = $"an after-commit action failed for {items.Count} message(s) from {first.Where}: "
                + $"{e.GetType().Name}: {e.Message}; consumer {consumer} stopped: "
                + "its memory no longer matches the database, and is rebuilt when the worker starts again.";
            await incidents.RaiseStopAlertAsync(first, message, e);
            throw new WorkerStoppedException(message, e);
        }
    }

    /// <summary>
    /// A handler's failure, with the message it failed on when the call handled one message (a run of
    /// several cannot say which).
    /// </summary>
    internal sealed class HandlerFailedException(InboxItem? item, Exception inner) : Exception(inner.Message, inner)
    {
        public InboxItem? Item { get; } = item;
    }
}
