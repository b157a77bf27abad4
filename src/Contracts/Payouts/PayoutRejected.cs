namespace ContestPipeline.Contracts.Payouts;

/// <summary>An operator rejected a held or failed payout: it is never sent. Ledger: the prize is withheld.</summary>
public sealed record PayoutRejected(
    string PayoutId,
    string ContestId,
    string PlayerId,
    long AmountMinor,
    string Currency,
    string Operator,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutRejected";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string payoutId) => $"payout:{payoutId}:rejected";
}
