using Npgsql;

namespace ContestPipeline.Operations.Queries.Audit;

/// <summary>
/// The audit trail of operators' acts, newest first, or one kind of act on one subject.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class AuditReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    /// <summary>Operators' actions of one kind on a subject (e.g. each cancel of a contest), oldest first.</summary>
    public Task<List<AuditRow>> SubjectAuditAsync(string subject, string action) =>
        ListAsync<AuditRow>("""
            SELECT action_id, operator, role, action, subject, reason, outcome, tool, at FROM operations.audit
            WHERE subject = @subject AND action = @action ORDER BY at, action_id
            """, new { subject, action });

    public Task<List<AuditRow>> AuditAsync(int page) =>
        ListAsync<AuditRow>("""
            SELECT action_id, operator, role, action, subject, reason, outcome, tool, at FROM operations.audit
            ORDER BY at DESC, action_id LIMIT @limit OFFSET @offset
            """, new { limit = PageSize, offset = page * PageSize });
}
