using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>An entry whose payment Stripe confirmed. <see cref="Lineup"/> is null for a fitness challenge.</summary>
public sealed record EntryAccepted(
    string EntryId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    IReadOnlyList<string>? Lineup,
    DateTimeOffset AcceptedAt) : IMessage
{
    public const string MessageType = "EntryAccepted";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string entryId) => $"entry:{entryId}:accepted";
}
