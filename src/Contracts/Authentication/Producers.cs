namespace ContestPipeline.Contracts.Authentication;

/// <summary>
/// Who may publish on the pipeline's internal topics. Each producer signs what it publishes
/// with its own key (header <c>producer</c> names it); consumers check the producer against
/// <see cref="PublishRights"/>. The sports-data provider is not among them: its
/// <c>provider.feed</c> is validated instead.
/// </summary>
public static class Producers
{
    /// <summary>The four workers sign as their own names (their outbox relays sign every message).</summary>
    public const string Ingestion = "ingestion";
    public const string Scoring = "scoring";
    public const string Settlement = "settlement";
    public const string Payout = "payout";

    /// <summary>The Stripe webhook receiver, which puts verified Stripe events on <c>stripe.events</c>.</summary>
    public const string Webhooks = "webhooks";

    /// <summary>The entry API: players' paid submissions on <c>entries</c>.</summary>
    public const string EntryApi = "entry-api";

    /// <summary>
    /// Operators' tools (cpctl, the web console): contest definitions and cancels, decisions on held payouts.
    /// </summary>
    public const string Operator = "operator";

    /// <summary>
    /// The operations read model: it publishes only on <c>notifications</c>, signed for the notification sender.
    /// </summary>
    public const string Operations = "operations";

    /// <summary>
    /// The notification sender: it publishes only alerts, which are not signed, but it runs as a worker.
    /// </summary>
    public const string Notifier = "notifier";

    public static IReadOnlyList<string> All { get; } =
        [Ingestion, Scoring, Settlement, Payout, Webhooks, EntryApi, Operator, Operations, Notifier];
}
