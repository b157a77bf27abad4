namespace ContestPipeline.Contracts.Entries;

/// <summary>
/// A player's entry submission (topic <c>entries</c>, key: contest id). The entry exists only
/// once Ingestion has verified the Stripe PaymentIntent: status succeeded, amount and
/// currency equal to the entry fee, metadata <c>contest_id</c> and <c>player_id</c> naming this
/// contest and player. The same PaymentIntent submitted again is the same entry.
/// <see cref="Lineup"/> lists athlete ids for a fantasy contest and is null for a fitness
/// challenge, where the player scores their own stats. <see cref="SubmittedAt"/> is when the
/// entry API accepted the submission (added later, optional: a message without it is judged by
/// its Kafka record's timestamp); an entry is on time by it, bounded by when its record reached
/// the broker, never by when Ingestion got to it. A contest free to enter (entry fee 0, its prizes funded by a
/// guarantee) takes no payment: its submissions name <see cref="FreePaymentFor"/> their own id instead of a
/// PaymentIntent, and every other rule applies to them.
/// </summary>
public sealed record EntrySubmitted(
    string SubmissionId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    IReadOnlyList<string>? Lineup,
    DateTimeOffset? SubmittedAt = null) : IMessage
{
    public const string MessageType = "EntrySubmitted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>One PaymentIntent is at most one entry: the entry id is derived from it.</summary>
    public static string EntryIdFor(string paymentIntentId) => "entry_" + paymentIntentId;

    /// <summary>
    /// What a submission to a contest free to enter names as its payment: <c>free_</c> and its own id.
    /// </summary>
    public static string FreePaymentFor(string submissionId) => FreePaymentPrefix + submissionId;

    /// <summary>
    /// Whether <paramref name="paymentIntentId"/> names no payment: a free entry's (no Stripe id starts so).
    /// </summary>
    public static bool IsFree(string paymentIntentId) =>
        paymentIntentId.StartsWith(FreePaymentPrefix, StringComparison.Ordinal);

    public const string FreePaymentPrefix = "free_";
}
