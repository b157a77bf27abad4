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

    /// <summary>
    /// The id of the alert <paramref name="source"/> raises for <paramref name="code"/> once per
    /// <paramref name="dedupeKey"/>.
    /// </summary>
    public static string IdFor(string source, string code, string dedupeKey) => $"alert:{source}:{code}:{dedupeKey}";

    /// <summary>
    /// Whether <paramref name="producer"/> may raise alerts as <paramref name="source"/>: its own name, or one of its
    /// consumers' (<c>settlement.payouts</c>). The id must carry the same source, so none takes another's ids.
    /// </summary>
    public static bool IsRaisedBy(string source, string alertId, string producer) =>
        (source == producer || source.StartsWith(producer + ".", StringComparison.Ordinal))
        && alertId.StartsWith($"alert:{source}:", StringComparison.Ordinal);
}

public static class AlertSeverities
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";
}
