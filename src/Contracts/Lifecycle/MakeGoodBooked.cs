namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// A make-good booked by Settlement as a platform expense and ordered on <c>payouts.due</c>
/// as a <c>PrizePayoutOrdered</c> with <see cref="PayoutId"/> (deterministic from contest, entry
/// and correction, so it is paid exactly once), after two different approvers agreed
/// (topic <c>contest.lifecycle</c>, key: contest id).
/// </summary>
public sealed record MakeGoodBooked(
    string PayoutId,
    string ContestId,
    string EntryId,
    string PlayerId,
    int CorrectionsSoFar,
    long AmountMinor,
    string Currency,
    string ProposedBy,
    string ConfirmedBy,
    DateTimeOffset BookedAt) : IMessage
{
    public const string MessageType = "MakeGoodBooked";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"make-good:{payoutId}:booked";
}
