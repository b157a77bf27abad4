namespace ContestPipeline.Operations.Queries.Payouts;

/// <summary>A payout as the read model shows it, with where it stands.</summary>
public sealed record PayoutView
{
    public string PayoutId { get; init; } = "";
    public string ContestId { get; init; } = "";
    public string EntryId { get; init; } = "";
    public string PlayerId { get; init; } = "";
    public string Kind { get; init; } = "";
    public int Rank { get; init; }
    public long GrossMinor { get; init; }
    public long FeeMinor { get; init; }
    public long NetMinor { get; init; }
    public string Currency { get; init; } = "";
    public DateTimeOffset OrderedAt { get; init; }
    public string State { get; init; } = "";
    public string? HoldKind { get; init; }
    public string Reason { get; init; } = "";

    /// <summary>Payout's own version of the row, as its last status change said; a decision names it.</summary>
    public int Version { get; init; }
    public string? TransferId { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
    public long ReversedMinor { get; init; }
    public int Approvals { get; init; }
    public string? ApprovedBy { get; init; }
}
