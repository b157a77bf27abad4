namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// The audit trail: one operator action, whatever it was (sign-in, a decision published, a
/// contest defined or cancelled, an export), with who, their role, when, why and what came of
/// it (topic <c>operations</c>, key: the operator). <see cref="Action"/> is a stable verb
/// (<c>sign-in</c>, <c>payout-release</c>, <c>contest-define</c> ...); <see cref="Subject"/>
/// names what it acted on.
/// </summary>
public sealed record OperatorActed(
    string ActionId,
    string Operator,
    string Role,
    string Action,
    string Subject,
    string Reason,
    string Outcome,
    string Tool,
    DateTimeOffset At) : IMessage, IOperatorDecision
{
    public const string MessageType = "OperatorActed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string actionId) => $"operator-action:{actionId}";
}
