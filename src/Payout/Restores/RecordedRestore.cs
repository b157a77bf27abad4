namespace ContestPipeline.Payout.Restores;

/// <summary>A restore of Payout's schema as an operator recorded it: the copy's time, when, by whom.</summary>
public sealed record RecordedRestore
{
    public required string Id { get; init; }
    public required DateTimeOffset CopyTakenAt { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
    public required string Operator { get; init; }
}
