namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// An operator rejected a held or failed payout, or the pipeline withheld it itself (<see cref="AutomaticOperator"/>:
/// its entry fee was lost, and what came back of a transfer already made is withheld): it is never sent (again).
/// Ledger: what the winner was still owed (<see cref="AmountMinor"/>: all of it, or what came back of its transfer)
/// is withheld.
/// </summary>
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

    /// <summary>
    /// The operator named by a withholding the pipeline made itself, by a rule no operator had to apply.
    /// </summary>
    public const string AutomaticOperator = "payout (automatic)";
}
