namespace ContestPipeline.Payout.Controls;

/// <summary>
/// One approval of a release that needs two: who gave it (the operator whose own key signed it), for which
/// hold and payout version, and when.
/// </summary>
public sealed record ReleaseApproval(string Operator, string DecisionId, string? HoldKind, int? PayoutVersion,
    DateTimeOffset ApprovedAt);
