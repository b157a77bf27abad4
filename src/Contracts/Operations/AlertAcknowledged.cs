namespace ContestPipeline.Contracts.Operations;

// Topic operations: operators' own decisions that order no worker to move money, and the
// audit trail of every operator action (console and cpctl). Each decision names who
// (Operator), why (Note or Reason) and when (DecidedAt), and carries a DecisionId unique per
// decision: the console makes one for every form it shows, so a form submitted twice is one
// decision, and the message id is derived from it. Key: the subject (the alert id, the
// contest id, or for OperatorActed the operator). The body says who decided; which producer
// may publish it is the transport's business (signing adds it to the publish path, not here).

/// <summary>An operator has seen an alert and is on it (topic <c>operations</c>, key: the alert id).</summary>
public sealed record AlertAcknowledged(string DecisionId, string AlertId, string Operator, string Note,
    DateTimeOffset DecidedAt)
    : IMessage, IOperatorDecision
{
    public const string MessageType = "AlertAcknowledged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"alert-ack:{decisionId}";
}
