namespace ContestPipeline.Contracts.Alerts;

/// <summary>
/// Something an operator must know about (topic <c>alerts</c>, key: the source worker).
/// <see cref="Code"/> is stable and machine-readable (feed_gap, stat_rejected,
/// contest_rejected, correction_after_complete, ...); <see cref="Subject"/> names the
/// contest, game or entry concerned.
/// </summary>
public sealed record AlertRaised(string AlertId, string Source, string Severity, string Code, string Subject,
    string Message, DateTimeOffset RaisedAt) : IMessage
{
    public const string MessageType = "AlertRaised";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

public static class AlertSeverities
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";
}
