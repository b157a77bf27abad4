namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// An operator asks a worker to read one of its consumer groups again (topic <c>workers.rewinds</c>, key: the
/// worker). The worker applies it itself when it next starts, before its consumers take partitions: it lowers its
/// own stored positions of <see cref="Group"/> (only <see cref="Topic"/>'s, if given) to <see cref="Target"/>, never
/// raises one, and applies a request once (<see cref="RequestId"/>). A request counts for
/// <see cref="Lifetime"/> from <see cref="RequestedAt"/> (<see cref="DecisionAge"/>). Every consumer applies a
/// message through its inbox, so what was applied is skipped: a rewind moves no money.
/// </summary>
/// <param name="Target"><see cref="Beginning"/>, <see cref="AtOffset"/> or <see cref="AtTime"/>.</param>
/// <param name="Offset">The offset to start from in every partition (target <see cref="AtOffset"/>).</param>
/// <param name="Time">The first message at or after this time (target <see cref="AtTime"/>).</param>
public sealed record ConsumerRewindRequested(string RequestId, string Worker, string Group, string? Topic,
    string Target, long? Offset, DateTimeOffset? Time, string Operator, string Reason, DateTimeOffset RequestedAt)
    : IMessage, IOperatorDecision
{
    public const string MessageType = "ConsumerRewindRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    public const string Beginning = "beginning";
    public const string AtOffset = "offset";
    public const string AtTime = "time";

    /// <summary>How long a request counts from when it was signed: the worker must start within it.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public static string MessageIdFor(string requestId) => $"rewind:{requestId}";
}
