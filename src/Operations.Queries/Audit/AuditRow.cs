namespace ContestPipeline.Operations.Queries.Audit;

/// <summary>One operator's act in the audit trail: who, as what, with which tool, why and what came of it.</summary>
public sealed record AuditRow(string ActionId, string Operator, string Role, string Action, string Subject,
    string Reason, string Outcome, string Tool, DateTimeOffset At);
