using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Players;

/// <summary>
/// An operator's change to a player's responsible-gaming limits, on <c>contests</c> (key <c>player:</c> and the
/// player id), applied by Ingestion by the same rules as the platform's requests: a lower daily or monthly entry-fee
/// limit (minor units of the contest's currency) and an exclusion (<c>cooling_off</c> of 1 to 42 days,
/// <c>self_exclusion</c> of 180 to 3,650) at once; a raise after its cooling-off; an exclusion is never shortened.
/// <c>RequestedAt</c> is when the operator signed it; it counts for a day from then.
/// </summary>
public sealed record PlayerLimitsSet(string PlayerId, string Reason, string RequestedBy, DateTimeOffset RequestedAt,
    long? DailyLimitMinor = null, long? MonthlyLimitMinor = null, string? Exclusion = null, int? ExclusionDays = null)
    : IMessage, IOperatorDecision
{
    string IOperatorDecision.Operator => RequestedBy;
    public const string MessageType = "PlayerLimitsSet";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>The message key: one player's changes in order, apart from contests' keys.</summary>
    public static string KeyFor(string playerId) => "player:" + playerId;
}
