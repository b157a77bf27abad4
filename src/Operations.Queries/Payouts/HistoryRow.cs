namespace ContestPipeline.Operations.Queries.Payouts;

/// <summary>One step of a payout's or refund's history.</summary>
public sealed record HistoryRow
{
    public string MessageId { get; init; } = "";
    public string SubjectId { get; init; } = "";
    public DateTimeOffset At { get; init; }
    public string Event { get; init; } = "";
    public string? State { get; init; }
    public string? HoldKind { get; init; }
    public string? Operator { get; init; }
    public string Reason { get; init; } = "";
    public long? AmountMinor { get; init; }
    public string? Currency { get; init; }
}
