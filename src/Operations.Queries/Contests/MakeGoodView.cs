namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>
/// Settlement's assessment of one correction report, with the proposal made of it and its confirmation.
/// </summary>
public sealed record MakeGoodView(int CorrectionsSoFar, string Assessment, DateTimeOffset AssessedAt,
    string? ProposalId, string? ProposedBy, string? ProposalReason,
    string? ConfirmedBy);
