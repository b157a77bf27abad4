namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>A make-good proposal as Settlement recorded it, and whether it was confirmed.</summary>
public sealed record MakeGoodProposal(string ProposalId, string ContestId, int CorrectionsSoFar, string ProposedBy,
    string Reason, long TotalMinor, string? ConfirmedBy, DateTimeOffset DecidedAt, DateTimeOffset ProposedAt);
