namespace ContestPipeline.Operations.Queries.Alerts;

/// <summary>An alert, and who acknowledged and resolved it.</summary>
public sealed record AlertRow
{
    public string AlertId { get; init; } = "";
    public string Source { get; init; } = "";
    public string Severity { get; init; } = "";
    public string Code { get; init; } = "";
    public string Subject { get; init; } = "";
    public string Message { get; init; } = "";
    public DateTimeOffset RaisedAt { get; init; }
    public string State { get; init; } = "";
    public string? AckedBy { get; init; }
    public DateTimeOffset? AckedAt { get; init; }
    public string? AckNote { get; init; }
    public string? ResolvedBy { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public string? ResolveNote { get; init; }
}
