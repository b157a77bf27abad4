using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What a consume loop does when it cannot simply go on: it waits out an outage (and gives up past
/// the tolerance), stops on a bug with one critical alert, and alerts messages the broker deleted
/// before this consumer read them. One place, so the batch, the one-at-a-time pass and the loading
/// of partitions all stop and wait the same way.
/// </summary>
internal sealed class ConsumerIncidents(NpgsqlDataSource dataSource, OutboxStore outbox, InboxConsumerOptions options,
    InboxConsumerStats stats, TimeProvider clock, ILogger logger)
{
    private readonly ConcurrentQueue<string> _offsetResets = new();

    /// <summary>
    /// Waits before the next try, longer the longer the outage has lasted; past the tolerance the
    /// worker stops (and is restarted) rather than wait for ever.
    /// </summary>
    public async Task WaitOutOutageAsync(Exception e, DateTimeOffset since, CancellationToken ct)
    {
        var down = clock.GetUtcNow() - since;
        if (down > options.DatabaseOutageTolerance)
            throw new WorkerStoppedException(
                $"consumer {options.Consumer}: database or dependency unavailable for {down.TotalSeconds:F0} s, "
                + $"giving up: {e.Message}", e);
        var delay = Backoff.Exponential(
            (int)Math.Min(20, down.TotalSeconds + 1), 200, Limits.DatabaseRetryBackoffMsMax);
        logger.LogWarning(
            "Consumer {Consumer}: database or dependency unavailable for {DownSeconds:F0} s, "
            + "retrying in {DelayMs} ms: {Error}",
            options.Consumer, down.TotalSeconds, (int)delay.TotalMilliseconds, e.Message);
        try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { }
    }

    /// <summary>
    /// One critical alert per message the loop stopped on, however often the worker restarts into it.
    /// </summary>
    public Task RaiseStopAlertAsync(InboxItem item, string message, Exception error) =>
        RaiseStopAlertAsync(item.Message, item.Where, item.InboxId, message, error);

    public async Task RaiseStopAlertAsync(IncomingMessage? cause, string subject, string dedupeKey, string message,
        Exception error)
    {
        logger.LogCritical(error, "Consumer {Consumer}: {Message}", options.Consumer, message);
        try
        {
            await UnitOfWork.RunAsync(dataSource, outbox, clock, "bug alert", context =>
            {
                context.Cause = cause is null ? null : Cause.Of(cause.Envelope);
                context.RaiseAlert(
                    options.Consumer, AlertSeverities.Critical, "worker_stopped_on_bug", subject, message, dedupeKey);
                return Task.FromResult(true);
            }, CancellationToken.None);
        }
        catch (Exception alertError)
        {
            logger.LogCritical(
                alertError, "Consumer {Consumer}: the alert could not be written either", options.Consumer);
        }
    }

    /// <summary>
    /// Notes a line of librdkafka's log that says a partition's offset was reset after an error; called on
    /// one of librdkafka's threads, alerted by the loop (<see cref="RaiseOffsetResetAlertsAsync"/>).
    /// </summary>
    public void ObserveLog(LogMessage m)
    {
        if (KafkaClients.OffsetResetAfterError(m) is not { } line) return;
        stats.AddOffsetReset();
        _offsetResets.Enqueue(line);
    }

    public bool OffsetResetsPending => !_offsetResets.IsEmpty;

    /// <summary>
    /// A partition whose next offset the broker no longer holds (deleted by retention, or by a size limit, before this
    /// consumer read it): librdkafka moves to the oldest offset it does hold, so the messages in between are never
    /// applied here. Never silent: one critical alert per reset, naming the topic, the partition and the offset, raised
    /// as soon as the loop sees it; an alert that cannot be written yet is tried again on the next round.
    /// </summary>
    public async Task RaiseOffsetResetAlertsAsync()
    {
        while (_offsetResets.TryPeek(out var line))
        {
            logger.LogCritical("Consumer {Consumer}: messages deleted before they were read: {Line}",
                options.Consumer, line);
            var message = $"{line}. The broker no longer held the messages from that offset when consumer "
                + $"{options.Consumer} came to read them: they were never applied here. Treat as an incident: "
                + "the producing worker's outbox keeps them for a week, and cpctl outbox republish --worker W "
                + "--from-time T --reason R (W the producer, T before they were written) has it publish them again; "
                + "the inbox makes anything already applied a no-op.";
            var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(line)), 0, 8);
            try
            {
                await UnitOfWork.RunAsync(dataSource, outbox, clock, "offset reset alert", context =>
                {
                    context.RaiseAlert(options.Consumer, AlertSeverities.Critical, InboxConsumer.OffsetResetCode,
                        line.Split(':', 2)[0], message, key);
                    return Task.FromResult(true);
                }, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogCritical(e, "Consumer {Consumer}: the alert for deleted messages could not be written yet",
                    options.Consumer);
                return;
            }
            _offsetResets.TryDequeue(out _);
        }
    }
}
