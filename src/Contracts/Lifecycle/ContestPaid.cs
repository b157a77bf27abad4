using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// PAID: every payout of a SETTLED contest is resolved, published by Settlement, followed by
/// the <c>ContestStateChanged</c> SETTLED → PAID. A payout is resolved when its transfer exists
/// and none of it was reversed (paid), or when an operator rejected it (its prize withheld).
/// Amounts in minor units of <see cref="Currency"/>: <see cref="PaidMinor"/> is what stayed
/// transferred, <see cref="WithheldMinor"/> what was withheld, and together they are the
/// contest's net prizes. A contest without awards is PAID as it is settled.
/// </summary>
public sealed record ContestPaid(
    string ContestId,
    int PayoutCount,
    int PaidCount,
    int RejectedCount,
    long PaidMinor,
    long WithheldMinor,
    string Currency,
    DateTimeOffset PaidAt) : IMessage
{
    public const string MessageType = "ContestPaid";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string contestId) => $"contest:{contestId}:paid";
}
