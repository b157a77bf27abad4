namespace ContestPipeline.Contracts.Operations;

/// <summary>An operator closed an alert, saying how (topic <c>operations</c>, key: the alert id).</summary>
public sealed record AlertResolved(string DecisionId, string AlertId, string Operator, string Note,
    DateTimeOffset DecidedAt)
    : IMessage, IOperatorDecision
{
    public const string MessageType = "AlertResolved";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"alert-resolve:{decisionId}";
}
