namespace ContestPipeline.Contracts;

/// <summary>
/// How one topic is provisioned: partitions, replication, how long Kafka keeps its messages
/// and its cleanup policy. The topics are provisioned from this list (cpctl topics apply), never
/// auto-created, and the inboxes keep a message's id at least as long as its topic keeps it.
/// </summary>
public sealed record TopicSpec(string Name, int Partitions, short ReplicationFactor, int MinInsyncReplicas,
    long RetentionMs, string CleanupPolicy)
{
    public const string CreateTime = "CreateTime";
    public const string LogAppendTime = "LogAppendTime";

    /// <summary>
    /// Whose clock a record's timestamp is: the producer's (<see cref="CreateTime"/>), or the
    /// broker's when it appends the record (<see cref="LogAppendTime"/>), which no producer can set.
    /// </summary>
    public string MessageTimestampType { get; init; } = CreateTime;

    /// <summary>The topic configs the list sets, as Kafka names them; anything else is the broker's default.</summary>
    public IReadOnlyDictionary<string, string> Configs => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["cleanup.policy"] = CleanupPolicy,
        ["message.timestamp.type"] = MessageTimestampType,
        ["min.insync.replicas"] = MinInsyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["retention.ms"] = RetentionMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["unclean.leader.election.enable"] = "false",
    };
}

/// <summary>
/// The one declarative list of the pipeline's topics, read by <c>cpctl topics apply</c> (which
/// compose runs once before the workers start), by the local broker, by the workers' start-up
/// check and by the inboxes' retention. Pure data.
/// </summary>
public static class TopicCatalog
{
    public const long DayMs = 24L * 60 * 60 * 1000;

    /// <summary>
    /// Three brokers, two in sync: a write acknowledged with acks=all survives the loss of any one broker.
    /// </summary>
    public const short ReplicationFactor = 3;
    public const int MinInsyncReplicas = 2;

    /// <summary>
    /// Ordinary streams: a week, long enough to re-read after any incident the on-call engineer can see.
    /// </summary>
    public const long StreamRetentionMs = 7 * DayMs;

    /// <summary>
    /// Money's topics (contest timelines, entries, payout orders and statuses, Stripe's events):
    /// 30 days, so a replay after a month-end reconciliation still finds them. Stripe retries an
    /// event for 3 days; this is ten times that.
    /// </summary>
    public const long MoneyRetentionMs = 30 * DayMs;

    /// <summary>Dead letters wait for a fix and a re-drive: 90 days.</summary>
    public const long DeadLetterRetentionMs = 90 * DayMs;

    public const string Delete = "delete";

    public static IReadOnlyList<TopicSpec> All { get; } = Build();

    /// <summary>
    /// The same list as the local broker runs it: every topic with <paramref name="partitions"/>
    /// partitions (the local tooling reads partitions 0-3) and replication capped by its brokers.
    /// </summary>
    public static IReadOnlyList<TopicSpec> ForLocalBroker(int brokers, int partitions = Topics.PartitionCountDefault) =>
        [
            .. All.Select(t =>
                t with { Partitions = partitions, ReplicationFactor = (short)Math.Min(t.ReplicationFactor, brokers),
            MinInsyncReplicas = Math.Min(t.MinInsyncReplicas, brokers) })];

    /// <summary>The spec of a topic of the list; an unknown name is a bug in the caller.</summary>
    public static TopicSpec For(string topic) =>
        All.FirstOrDefault(t => t.Name == topic)
            ?? throw new KeyNotFoundException($"topic {topic} is not in the topic list");

    /// <summary>
    /// How long a consumer of <paramref name="topics"/> can be handed one of their messages again:
    /// the longest retention among them and their dead-letter topics (a dead letter can be
    /// re-driven for as long as its dead-letter topic keeps it).
    /// </summary>
    public static long LongestRetentionMs(IEnumerable<string> topics) =>
        topics.SelectMany(t => new[] { t, Topics.DeadLetter(t) })
            .Select(t => All.FirstOrDefault(s => s.Name == t)?.RetentionMs ?? DeadLetterRetentionMs).Max();

    private static TopicSpec[] Build()
    {
        (string Name, int Partitions, long RetentionMs)[] main =
        [
            (Topics.ProviderFeed, 12, StreamRetentionMs),
            // The provider's answers: as long as dead letters, so a provider back from an outage still reads them.
            (Topics.ProviderFeedback, 3, DeadLetterRetentionMs),
            (Topics.Contests, 6, MoneyRetentionMs),
            (Topics.Entries, 12, MoneyRetentionMs),
            (Topics.Games, 12, StreamRetentionMs),
            (Topics.ContestLifecycle, 12, MoneyRetentionMs),
            (Topics.Standings, 12, StreamRetentionMs),
            (Topics.PayoutsDue, 6, MoneyRetentionMs),
            // One key, one partition: every halt and resume in the order they were decided.
            (Topics.PayoutsControl, 1, MoneyRetentionMs),
            (Topics.PayoutsStatus, 6, MoneyRetentionMs),
            (Topics.StripeEvents, 6, MoneyRetentionMs),
            (Topics.Alerts, 3, StreamRetentionMs),
            (Topics.Canary, 3, 1 * DayMs),
            // Operators' decisions (make-goods among them) are kept as long as the money topics.
            (Topics.Operations, 6, MoneyRetentionMs),
            (Topics.Notifications, 3, StreamRetentionMs),
            // Read whole at every worker's start: few, small, and useless once older than their lifetime.
            (Topics.WorkerRewinds, 1, 7 * DayMs),
        ];
        var specs = main.Select(t =>
            new TopicSpec(t.Name, t.Partitions, ReplicationFactor, MinInsyncReplicas, t.RetentionMs, Delete)
        {
            // Ingestion judges a submission late by when its record reached the broker: the
            // broker's own clock says so, not the timestamp a producer chose to write.
            MessageTimestampType = t.Name == Topics.Entries ? TopicSpec.LogAppendTime : TopicSpec.CreateTime,
        }).ToList();
        specs.AddRange(
            main.Select(t =>
                new TopicSpec(Topics.DeadLetter(t.Name), 3, ReplicationFactor, MinInsyncReplicas, DeadLetterRetentionMs,
                    Delete)));
        return [.. specs];
    }
}
