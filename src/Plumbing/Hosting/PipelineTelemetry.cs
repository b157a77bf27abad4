using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// The pipeline's metrics and traces, one meter and one activity source for every process
/// (System.Diagnostics.Metrics and ActivitySource: free when nothing listens; exported through
/// OpenTelemetry's OTLP exporter when <see cref="Observability.OtlpEndpointVariable"/> is set).
/// Names follow OpenTelemetry's conventions: dotted, units in the unit field, tags snake_case.
/// </summary>
public static class PipelineTelemetry
{
    public const string MeterName = "ContestPipeline";
    public const string ActivitySourceName = "ContestPipeline";

    /// <summary>The webhook receiver's own meter (requests refused, by outcome).</summary>
    public const string WebhooksMeterName = "ContestPipeline.Webhooks";

    public static readonly Meter Meter = new(MeterName, "1.0");
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName, "1.0");

    /// <summary>
    /// Messages a consumer finished with, by outcome: applied, duplicate (skipped by the inbox) or
    /// dead_lettered.
    /// </summary>
    public static readonly Counter<long> ConsumerMessages = Meter.CreateCounter<long>(
        "contestpipeline.consumer.messages", "{message}",
        "Messages a consumer finished with, by outcome (applied, duplicate, dead_lettered)");

    public static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>(
        "contestpipeline.handler.duration", "s",
        "Time a handler took for a message (or a run of messages a batch handler applied at once)");

    public static readonly Histogram<double> RelayLatency = Meter.CreateHistogram<double>(
        "contestpipeline.outbox.relay_latency", "s", "From a message's outbox commit to Kafka's acknowledgement");

    public static readonly Counter<long> StripeRequests = Meter.CreateCounter<long>(
        "contestpipeline.stripe.requests", "{request}",
        "Stripe API requests by endpoint and HTTP status (0: no answer); 429s are Stripe's rate limit");

    public static readonly Counter<long> Payouts = Meter.CreateCounter<long>(
        "contestpipeline.payouts", "{payout}", "Payouts that entered a state");

    public static readonly Counter<long> PayoutAmount = Meter.CreateCounter<long>(
        "contestpipeline.payouts.amount", "{minor_unit}",
        "Amounts of the payouts that entered a state, in minor units of their currency");

    public static readonly Counter<long> Alerts = Meter.CreateCounter<long>(
        "contestpipeline.alerts", "{alert}", "Alerts raised, by code and severity");

    public static readonly Counter<long> Contests = Meter.CreateCounter<long>(
        "contestpipeline.contests", "{contest}",
        "Contests that entered a lifecycle state, by the worker that moved them");

    /// <summary>
    /// Entry submissions decided, by outcome (the check that decided it, snake_case: <c>ok</c> for an accepted
    /// entry); a failed payment is <c>payment_not_succeeded</c>.
    /// </summary>
    public static readonly Counter<long> Entries = Meter.CreateCounter<long>(
        "contestpipeline.entries", "{entry}", "Entry submissions decided, by outcome (ok, payment_not_succeeded, ...)");

    public static readonly Counter<long> JobRuns = Meter.CreateCounter<long>(
        "contestpipeline.job.runs", "{run}",
        "Runs of a worker's jobs, by job_name (Prometheus keeps job for its own) and outcome " +
        "(ok, or the failure's kind: transient, conflict, bug)");

    /// <summary>Winners' connected accounts, by what happened to them: created, or became able to receive.</summary>
    public static readonly Counter<long> Recipients = Meter.CreateCounter<long>(
        "contestpipeline.recipients", "{account}",
        "Winners' connected accounts that were created or became able to receive (state: created, can_receive)");

    public static readonly Histogram<double> TimeToPaid = Meter.CreateHistogram<double>(
        "contestpipeline.payouts.time_to_paid", "s",
        "From a prize's order (its contest SETTLED) to its transfer on Stripe",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [60, 300, 900, 3_600, 4 * 3_600, 12 * 3_600, 24 * 3_600, 72 * 3_600,
                7 * 24 * 3_600],
        });

    private static readonly ConcurrentDictionary<object, Func<IEnumerable<Measurement<long>>>> LagSources = new();
    private static readonly ConcurrentDictionary<object, Func<IEnumerable<Measurement<long>>>> BacklogSources = new();
    private static readonly ConcurrentDictionary<object, Func<IEnumerable<Measurement<double>>>> BacklogAgeSources =
        new();

    static PipelineTelemetry()
    {
        Meter.CreateObservableGauge("contestpipeline.consumer.lag", () => LagSources.Values.SelectMany(f => f()),
            "{message}",
            "Messages in a partition after a consumer's position (high watermark - position)");
        Meter.CreateObservableGauge("contestpipeline.outbox.backlog", () => BacklogSources.Values.SelectMany(f => f()),
            "{message}",
            "Outbox rows not yet acknowledged by Kafka");
        Meter.CreateObservableGauge("contestpipeline.outbox.oldest_unsent_age",
            () => BacklogAgeSources.Values.SelectMany(f => f()), "s",
            "Age of the oldest outbox row not yet acknowledged by Kafka");
    }

    /// <summary>Adds a source of consumer-lag measurements until the returned handle is disposed.</summary>
    public static IDisposable ObserveLag(Func<IEnumerable<Measurement<long>>> source) => Register(LagSources, source);

    public static IDisposable ObserveBacklog(Func<IEnumerable<Measurement<long>>> rows,
        Func<IEnumerable<Measurement<double>>> oldestAge)
    {
        var a = Register(BacklogSources, rows);
        var b = Register(BacklogAgeSources, oldestAge);
        return new Registration(() => { a.Dispose(); b.Dispose(); });
    }

    private static Registration Register<T>(ConcurrentDictionary<object, T> sources, T source)
    {
        var key = new object();
        sources[key] = source;
        return new Registration(() => sources.TryRemove(key, out _));
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    /// <summary>
    /// A span for one message handled by <paramref name="consumer"/>. Its trace id is derived from
    /// the message's correlation id, so every span of one flow (an entry fee, a prize: one dollar
    /// through every worker) falls in one trace without any header added to the wire; its parent
    /// is derived from the causation id. Null when nothing listens.
    /// </summary>
    public static Activity? StartMessageActivity(string consumer, string messageType, string messageId,
        string correlationId, string? causationId,
        string topic, int partition, long offset)
    {
        if (!ActivitySource.HasListeners()) return null;
        var parent = new ActivityContext(TraceIdFor(correlationId), SpanIdFor(causationId ?? correlationId),
            ActivityTraceFlags.Recorded, isRemote: true);
        var activity = ActivitySource.StartActivity($"{consumer} {messageType}", ActivityKind.Consumer, parent);
        if (activity is null) return null;
        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.consumer.group.name", consumer);
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("messaging.destination.partition.id", partition);
        activity.SetTag("messaging.kafka.offset", offset);
        activity.SetTag("messaging.message.id", messageId);
        activity.SetTag("contestpipeline.message_type", messageType);
        activity.SetTag("contestpipeline.correlation_id", correlationId);
        activity.SetTag("contestpipeline.causation_id", causationId);
        return activity;
    }

    /// <summary>The trace id every span of one correlation id shares (16 bytes of its SHA-256).</summary>
    public static ActivityTraceId TraceIdFor(string correlationId) =>
        ActivityTraceId.CreateFromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(correlationId)).AsSpan(0, 16));

    public static ActivitySpanId SpanIdFor(string messageId) =>
        ActivitySpanId.CreateFromBytes(SHA256.HashData(Encoding.UTF8.GetBytes("span:" + messageId)).AsSpan(0, 8));

    public static void ContestEntered(string worker, string state) =>
        Contests.Add(1, new KeyValuePair<string, object?>("worker", worker),
            new KeyValuePair<string, object?>("state", state));

    public static void JobRan(string job, string outcome) =>
        JobRuns.Add(1, new KeyValuePair<string, object?>("job_name", job),
            new KeyValuePair<string, object?>("outcome", outcome));

    public static void EntryDecided(string outcome) =>
        Entries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void RecipientEntered(string state) =>
        Recipients.Add(1, new KeyValuePair<string, object?>("state", state));

    public static void PayoutEntered(string state, string currency, long amountMinor)
    {
        var tags = new TagList { { "state", state }, { "currency", currency.ToLowerInvariant() } };
        Payouts.Add(1, tags);
        PayoutAmount.Add(amountMinor, tags);
    }
}
