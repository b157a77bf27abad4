using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What a consume loop reports about itself: its counts (<see cref="InboxConsumerStats"/> and the
/// messages meter, by outcome), each partition's lag, each handler call's duration, and a span per
/// message handled. Kept apart from the loop so that the loop reads as what it does.
/// </summary>
internal sealed class ConsumerTelemetry(string consumer, InboxConsumerStats stats)
{
    private readonly Dictionary<(string Topic, int Partition), long> _lag = [];
    private long _lagUpdatedAt;

    public InboxConsumerStats Stats => stats;

    /// <summary>Reports the lag gauge of this consumer until disposed.</summary>
    public IDisposable ObserveLag() => PipelineTelemetry.ObserveLag(LagMeasurements);

    /// <summary>
    /// Each assigned partition's lag from what the client already knows (the high watermark of
    /// its last fetch, its position): no request to the broker, and at most once a second.
    /// </summary>
    public void UpdateLag(IConsumer<byte[]?, byte[]?> kafka)
    {
        var now = Environment.TickCount64;
        if (now - _lagUpdatedAt < 1_000) return;
        _lagUpdatedAt = now;
        List<TopicPartition> assigned;
        try
        {
            assigned = kafka.Assignment;
        }
        catch (KafkaException)
        {
            return;
        }
        lock (_lag)
        {
            _lag.Clear();
            foreach (var tp in assigned)
            {
                var high = kafka.GetWatermarkOffsets(tp).High;
                var position = kafka.Position(tp);
                if (high == Offset.Unset) continue;
                _lag[(tp.Topic, tp.Partition.Value)] =
                    Math.Max(0, high.Value - (position == Offset.Unset ? 0 : position.Value));
            }
        }
    }

    /// <summary>Partitions that moved to another member of the group are no longer this one's lag.</summary>
    public void ForgetLag(IEnumerable<TopicPartition> revoked)
    {
        lock (_lag) foreach (var p in revoked) _lag.Remove((p.Topic, p.Partition.Value));
    }

    private IEnumerable<Measurement<long>> LagMeasurements()
    {
        lock (_lag)
            return [.. _lag.Select(l => new Measurement<long>(l.Value,
                new KeyValuePair<string, object?>("consumer", consumer),
                new KeyValuePair<string, object?>("topic", l.Key.Topic),
                new KeyValuePair<string, object?>("partition", l.Key.Partition)))];
    }

    /// <summary>What one committed transaction did with its messages.</summary>
    public void CountOutcomes(int applied, int rejected, int duplicates, int deadLettersSkipped)
    {
        stats.AddApplied(applied);
        stats.AddDeadLettered(rejected);
        stats.AddDuplicates(duplicates);
        stats.AddDeadLettersSkipped(deadLettersSkipped);
        Count("applied", applied);
        Count("dead_lettered", rejected);
        Count("duplicate", duplicates);
        Count("dead_letter_skipped", deadLettersSkipped);
    }

    /// <summary>
    /// A message dead-lettered on its own, or found already seen when it came to be (applied, or dead-lettered
    /// before and delivered again without a re-drive grant).
    /// </summary>
    public void CountDeadLetter(bool claimed, bool skipped)
    {
        var outcome = claimed ? "dead_lettered" : skipped ? "dead_letter_skipped" : "duplicate";
        if (claimed) stats.AddDeadLettered(1);
        else if (skipped) stats.AddDeadLettersSkipped(1);
        else stats.AddDuplicates(1);
        Count(outcome, 1);
    }

    private void Count(string outcome, long n)
    {
        if (n > 0)
            PipelineTelemetry.ConsumerMessages.Add(n,
                new KeyValuePair<string, object?>("consumer", consumer),
                new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>How long one call of a handler took, a run of messages or one.</summary>
    public void RecordHandlerDuration(IMessageHandler handler, long startedAt) =>
        PipelineTelemetry.HandlerDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
            new KeyValuePair<string, object?>("consumer", consumer),
            new KeyValuePair<string, object?>("message_type", handler.MessageType));

    /// <summary>A span for each of items[start..end]; null when nobody listens.</summary>
    public Activity?[]? StartSpans(List<InboxItem> items, int start, int end)
    {
        if (!PipelineTelemetry.ActivitySource.HasListeners()) return null;
        var spans = new Activity?[end - start];
        for (var i = start; i < end; i++)
        {
            var m = items[i].Message!;
            spans[i - start] = PipelineTelemetry.StartMessageActivity(
                consumer, m.Envelope.Type, m.Envelope.MessageId, m.Envelope.CorrelationId,
                m.Envelope.CausationId, m.Topic, m.Partition, m.Offset);
            // A run of messages handled at once: each span stands alone in its own trace, none nested in another.
            if (end - start > 1) Activity.Current = null;
        }
        return spans;
    }

    public static void EndSpans(Activity?[]? spans, Exception? error)
    {
        if (spans is null) return;
        foreach (var span in spans)
        {
            if (span is null) continue;
            if (error is not null) span.SetStatus(ActivityStatusCode.Error, error.Message);
            span.Stop();
        }
    }
}
