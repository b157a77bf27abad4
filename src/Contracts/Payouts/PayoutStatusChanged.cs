namespace ContestPipeline.Contracts.Payouts;

/// <summary>A payout moved from one state to another. <see cref="Version"/> counts the payout's changes.</summary>
public sealed record PayoutStatusChanged(
    string PayoutId,
    string ContestId,
    string PlayerId,
    long AmountMinor,
    string Currency,
    string From,
    string To,
    string? HoldKind,
    string Reason,
    int Version,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutStatusChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId, int version) => $"payout:{payoutId}:status:{version}";
}
