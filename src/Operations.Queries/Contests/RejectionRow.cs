namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>A submission that did not become an entry, and why.</summary>
public sealed record RejectionRow(string SubmissionId, string PlayerId, string PaymentIntentId, string Reason,
    string? RefundId, DateTimeOffset At);
