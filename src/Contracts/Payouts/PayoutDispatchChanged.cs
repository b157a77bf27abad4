using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// Payout halted or resumed its automated transfers and refunds (topic <c>payouts.status</c>,
/// key: <see cref="PayoutDispatchDecided.Key"/>), naming the decision that did it.
/// </summary>
public sealed record PayoutDispatchChanged(string DecisionId, bool Halted, string Operator, string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "PayoutDispatchChanged";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string decisionId) => $"dispatch:{decisionId}:applied";
}
