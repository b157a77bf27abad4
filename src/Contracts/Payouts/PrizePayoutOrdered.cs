using System.Security.Cryptography;
using System.Text;

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

    /// <summary>
    /// The payout id of one make-good: <see cref="MakeGoodIdPrefix"/> and 32 hex digits of the SHA-256 of
    /// <c>{n}:{contestId}:{entryId}:{correctionsSoFar}</c> (n the contest id's UTF-8 length), so it is the same every
    /// time it is booked, Stripe's idempotency key for its transfer, and what Payout checks a make-good order against.
    /// </summary>
    public static string MakeGoodIdFor(string contestId, string entryId, int correctionsSoFar)
    {
        var preimage = $"{Encoding.UTF8.GetByteCount(contestId)}:{contestId}:{entryId}:{correctionsSoFar}";
        return MakeGoodIdPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(preimage)), 0, 16);
    }
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}
