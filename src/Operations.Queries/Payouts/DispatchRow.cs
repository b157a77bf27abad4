namespace ContestPipeline.Operations.Queries.Payouts;

/// <summary>Whether Payout dispatches, and the halt or resume that said so.</summary>
public sealed record DispatchRow(bool Halted, string? DecisionId, string? Operator, string? Reason,
    DateTimeOffset? ChangedAt);
