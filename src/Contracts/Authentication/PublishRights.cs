using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Players;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts.Stripe;

namespace ContestPipeline.Contracts.Authentication;

/// <summary>One row of the table: who may publish <see cref="MessageType"/> on <see cref="Topic"/>.</summary>
public sealed record PublishRight(string Topic, string MessageType, IReadOnlyList<string> Producers);

/// <summary>
/// Which producer may publish which message type on which topic: the one table every consumer
/// verifies against (and the one to generate broker ACLs from). A topic named here is
/// internal: every message on it must be signed by a producer its row allows, or it is
/// dead-lettered as unauthenticated and changes nothing. A type not listed for a topic may
/// not be published there by anyone. Topics not named here (<c>provider.feed</c>, dead letters,
/// canaries) are not signed.
/// </summary>
public sealed class PublishRights
{
    private readonly Dictionary<(string Topic, string Type), PublishRight> _rows;

    public PublishRights(IEnumerable<PublishRight> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Rows = [.. rows];
        _rows = Rows.ToDictionary(r => (r.Topic, r.MessageType));
        Topics = Rows.Select(r => r.Topic).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<PublishRight> Rows { get; }

    /// <summary>The internal topics: those with at least one row.</summary>
    public IReadOnlySet<string> Topics { get; }

    public bool Covers(string topic) => Topics.Contains(topic);

    /// <summary>Who may publish <paramref name="type"/> on <paramref name="topic"/>; empty when nobody may.</summary>
    public IReadOnlyList<string> ProducersOf(string topic, string type) =>
        _rows.TryGetValue((topic, type), out var row) ? row.Producers : [];

    public bool Allows(string topic, string type, string producer) =>
        ProducersOf(topic, type).Contains(producer, StringComparer.Ordinal);

    /// <summary>This table and more rows (a benchmark's own topic, say).</summary>
    public PublishRights With(params PublishRight[] more) => new([.. Rows, .. more]);

    /// <summary>The pipeline's table.</summary>
    public static PublishRights Pipeline { get; } = new(Build());

    private static IEnumerable<PublishRight> Build()
    {
        yield return Row(Contracts.Topics.Contests, ContestDefined.MessageType, Producers.Operator);
        yield return Row(Contracts.Topics.Contests, ContestCancelRequested.MessageType, Producers.Operator);
        yield return Row(Contracts.Topics.Contests, PlayerLimitsSet.MessageType, Producers.Operator);

        yield return Row(Contracts.Topics.Entries, EntrySubmitted.MessageType, Producers.EntryApi);

        foreach (var type in FeedTypes.All) yield return Row(Contracts.Topics.Games, type, Producers.Ingestion);

        yield return Row(Contracts.Topics.ContestLifecycle, ContestScheduled.MessageType, Producers.Ingestion);
        yield return Row(Contracts.Topics.ContestLifecycle, EntryAccepted.MessageType, Producers.Ingestion);
        yield return Row(Contracts.Topics.ContestLifecycle, EntryRejected.MessageType, Producers.Ingestion);
        yield return Row(Contracts.Topics.ContestLifecycle, EntriesClosed.MessageType, Producers.Ingestion);
        yield return Row(Contracts.Topics.ContestLifecycle, ContestCancelRequested.MessageType, Producers.Ingestion);
        // The referee makes every transition up to COMPLETE (and CANCELLED); Settlement makes SETTLED and PAID.
        yield return Row(Contracts.Topics.ContestLifecycle, ContestStateChanged.MessageType, Producers.Scoring,
            Producers.Settlement);
        yield return Row(Contracts.Topics.ContestLifecycle, ContestCompleted.MessageType, Producers.Scoring);
        yield return Row(Contracts.Topics.ContestLifecycle, ContestSettled.MessageType, Producers.Settlement);
        yield return Row(Contracts.Topics.ContestLifecycle, ContestPaid.MessageType, Producers.Settlement);
        yield return Row(Contracts.Topics.ContestLifecycle, MakeGoodsAssessed.MessageType, Producers.Settlement);
        yield return Row(Contracts.Topics.ContestLifecycle, MakeGoodBooked.MessageType, Producers.Settlement);

        yield return Row(Contracts.Topics.Standings, StandingsUpdated.MessageType, Producers.Scoring);
        yield return Row(Contracts.Topics.Standings, FinalStandingsPublished.MessageType, Producers.Scoring);
        yield return Row(Contracts.Topics.Standings, StandingsCorrectionReported.MessageType, Producers.Scoring);

        // Refunds come from Ingestion (payments that made no entry) and Settlement (a cancelled
        // contest's entries); prizes and their authorization only from Settlement.
        yield return Row(Contracts.Topics.PayoutsDue, RefundOrdered.MessageType, Producers.Ingestion,
            Producers.Settlement);
        yield return Row(Contracts.Topics.PayoutsDue, ContestPayoutsAuthorized.MessageType, Producers.Settlement);
        yield return Row(Contracts.Topics.PayoutsDue, PrizePayoutOrdered.MessageType, Producers.Settlement);
        yield return Row(Contracts.Topics.PayoutsDue, PayoutReviewDecided.MessageType, Producers.Operator);
        // The emergency stop travels on its own topic; the payouts.due row stays for halts and
        // resumes published there before (Payout applies such a halt, and refuses such a resume).
        yield return Row(Contracts.Topics.PayoutsDue, PayoutDispatchDecided.MessageType, Producers.Operator);
        yield return Row(Contracts.Topics.PayoutsControl, PayoutDispatchDecided.MessageType, Producers.Operator);

        // Operators' decisions besides payouts: Settlement books make-goods and write-offs from two of them.
        foreach (var type in new[]
                 {
                     AlertAcknowledged.MessageType, AlertResolved.MessageType, OperatorActed.MessageType,
                     MakeGoodProposed.MessageType,
                     MakeGoodConfirmed.MessageType,
                     ReceivableWriteOffRequested.MessageType,
                 })
            yield return Row(Contracts.Topics.Operations, type, Producers.Operator);

        // A rewind is applied by the worker it names, at its start; only an operator may ask for one.
        yield return Row(Contracts.Topics.WorkerRewinds, ConsumerRewindRequested.MessageType, Producers.Operator);

        foreach (var row in Reports()) yield return row;
    }

    private static PublishRight Row(string topic, string type, params string[] producers) =>
        new(topic, type, producers);

    /// <summary>What Payout, the receiver and the read model report, and every service's alerts.</summary>
    private static IEnumerable<PublishRight> Reports()
    {
        foreach (var type in new[]
                 {
                     PayoutStatusChanged.MessageType, PrizeTransferred.MessageType, PrizeTransferReversed.MessageType,
                     PayoutRejected.MessageType,
                     EntryFeeRefunded.MessageType, RefundFailed.MessageType, RecipientOnboardingRequested.MessageType,
                     RecipientOnboardingNeeded.MessageType, RecipientAccountChanged.MessageType,
                     PrizeUnclaimed.MessageType, RecipientBalanceRead.MessageType,
                     PayoutDispatchChanged.MessageType, PayoutReleaseApproved.MessageType,
                     StripeEventHandled.MessageType,
                     PrizeTransferQuarantined.MessageType, PrizeClawbackShort.MessageType,
                     DisputeFundsMoved.MessageType, PaymentFeesCharged.MessageType,
                 })
            yield return Row(Contracts.Topics.PayoutsStatus, type, Producers.Payout);

        yield return Row(Contracts.Topics.StripeEvents, StripeEventReceived.MessageType, Producers.Webhooks);

        // Every service that runs unattended raises alerts, each under its own name (AlertRaised.Source, the id's
        // prefix): the consumer checks the name against the producer whose key signed it, so no service can raise,
        // pre-empt or silence an alert as another.
        yield return Row(Contracts.Topics.Alerts, AlertRaised.MessageType, Producers.Ingestion, Producers.Scoring,
            Producers.Settlement, Producers.Payout, Producers.Operations, Producers.Notifier, Producers.Webhooks);

        // Players' notices go to the platform: a forged one would reach players as the product's own.
        yield return Row(Contracts.Topics.Notifications, NotificationRequested.MessageType, Producers.Operations);
    }
}
