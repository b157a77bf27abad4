namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// A winner's connected account reached a state that keeps their prize from being paid, as Payout read it from
/// Stripe (<see cref="RecipientAccountStates"/>): Stripe refused to create it, needs more information, is reviewing
/// it, or rejected it. The read model tells the winner what, if anything, they can do; Payout alerts the operators.
/// </summary>
public sealed record RecipientAccountChanged(
    string PlayerId,
    string? AccountId,
    string State,
    string? Reason,
    IReadOnlyList<string> CurrentlyDue,
    DateTimeOffset ChangedAt) : IMessage
{
    public const string MessageType = "RecipientAccountChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>One message per state a player's account entered, per the read (or refusal) that found it.</summary>
    public static string MessageIdFor(string playerId, string state, string foundBy) =>
        $"recipient:{playerId}:{state}:{foundBy}";
}
