namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// An order to pay one winning entry (topic <c>payouts.due</c>, key: contest id), published by
/// Settlement once per winning entry. <see cref="PayoutId"/> is deterministic from contest and
/// entry and is Stripe's Idempotency-Key for the transfer. The winner receives
/// <see cref="NetMinor"/> = <see cref="GrossMinor"/> − <see cref="FeeMinor"/> (platform fee,
/// rounded half-up per prize). <see cref="PaymentIntentId"/> is the winning entry's entry-fee
/// payment (added in schema 1 as optional): a refund or dispute of it freezes the prize.
/// </summary>
public sealed record PrizePayoutOrdered(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    int Rank,
    long GrossMinor,
    long FeeMinor,
    long NetMinor,
    string Currency,
    string? PaymentIntentId = null) : IMessage
{
    public const string MessageType = "PrizePayoutOrdered";
    public const int SchemaVersion = 1;

    /// <summary>How a make-good's payout id starts: an entry may have one prize and any number of make-goods.</summary>
    public const string MakeGoodIdPrefix = "makegood_";

    public static bool IsMakeGoodId(string payoutId) => payoutId.StartsWith(MakeGoodIdPrefix, StringComparison.Ordinal);
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
