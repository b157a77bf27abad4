using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// A submission that did not become an entry, with its reason. <see cref="RefundId"/> is set
/// when its payment was verified and a refund was ordered on <c>payouts.due</c>.
/// </summary>
public sealed record EntryRejected(
    string SubmissionId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    string Reason,
    string? RefundId) : IMessage
{
    public const string MessageType = "EntryRejected";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string submissionId) => $"submission:{submissionId}:rejected";
}
