namespace ContestPipeline.Contracts;

/// <summary>
/// Topic names. The key each topic is partitioned by is part of the contract: it keeps
/// one contest's (or game's) events in order.
/// </summary>
public static class Topics
{
    /// <summary>Sports-provider feed; key: game id.</summary>
    public const string ProviderFeed = "provider.feed";
    /// <summary>
    /// What the pipeline tells the provider about its feed that no dead letter says (a gap given up, a held event
    /// dropped); written by Ingestion, read by the provider; key: game id.
    /// </summary>
    public const string ProviderFeedback = "provider.feedback";
    /// <summary>
    /// Operators' orders to Ingestion: contest definitions and cancels (key: contest id), and players' limits (key:
    /// <c>player:</c> and the player id).
    /// </summary>
    public const string Contests = "contests";
    /// <summary>Entry submissions; key: contest id.</summary>
    public const string Entries = "entries";
    /// <summary>Normalized, ordered game facts; key: game id.</summary>
    public const string Games = "games";
    /// <summary>Contest lifecycle transitions; key: contest id.</summary>
    public const string ContestLifecycle = "contest.lifecycle";
    /// <summary>Live and final standings; key: contest id.</summary>
    public const string Standings = "standings";
    /// <summary>Payout orders; key: contest id.</summary>
    public const string PayoutsDue = "payouts.due";
    /// <summary>
    /// The emergency stop (halt and resume of automated payouts), apart from the orders so that
    /// nothing queues it behind them; key: <c>payouts:dispatch</c>, one partition.
    /// </summary>
    public const string PayoutsControl = "payouts.control";
    /// <summary>Payout state changes; key: contest id.</summary>
    public const string PayoutsStatus = "payouts.status";
    /// <summary>Stripe webhook events; key: the Stripe object id.</summary>
    public const string StripeEvents = "stripe.events";
    /// <summary>Operator alerts; key: the source that raised them.</summary>
    public const string Alerts = "alerts";
    /// <summary>End-to-end health probe through every worker; key: canary id.</summary>
    public const string Canary = "pipeline.canary";
    /// <summary>
    /// Operators' own decisions that are not orders to a worker (alert acknowledgements, make-good proposals, the audit
    /// trail); key: the subject (alert id, contest id, operator).
    /// </summary>
    public const string Operations = "operations";
    /// <summary>
    /// Messages for people (operators paged for critical alerts, players told about their entries and prizes), for an
    /// email/SMS/pager sender; key: the recipient.
    /// </summary>
    public const string Notifications = "notifications";
    /// <summary>
    /// Operators' signed requests that a worker read its consumer groups again, applied by the worker itself when
    /// it starts (read whole, without a consumer group); key: the worker.
    /// </summary>
    public const string WorkerRewinds = "workers.rewinds";

    public const string DeadLetterSuffix = ".dlq";

    /// <summary>The dead-letter topic of a consumed topic.</summary>
    public static string DeadLetter(string topic) => topic + DeadLetterSuffix;

    /// <summary>Every topic the pipeline uses, each with its dead-letter topic.</summary>
    public static IReadOnlyList<string> All { get; } = BuildAll();

    /// <summary>Partitions per topic on the local broker (production sizes its own).</summary>
    public const int PartitionCountDefault = 4;

    private static string[] BuildAll()
    {
        string[] main =
        [
            ProviderFeed, ProviderFeedback, Contests, Entries, Games, ContestLifecycle, Standings,
            PayoutsDue, PayoutsControl, PayoutsStatus, StripeEvents, Alerts, Canary, Operations, Notifications,
            WorkerRewinds,
        ];
        return [.. main, .. main.Select(DeadLetter)];
    }
}
