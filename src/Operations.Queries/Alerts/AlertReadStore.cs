using Npgsql;

namespace ContestPipeline.Operations.Queries.Alerts;

/// <summary>
/// Alerts as the console and cpctl read them: lists, counts, one alert, and a subject's alerts of one code.
/// Reads the operations read model only (schema <c>operations</c>).
/// </summary>
public sealed class AlertReadStore(NpgsqlDataSource db) : ReadStore(db)
{
    public Task<List<(string Severity, long Count)>> OpenAlertsBySeverityAsync() =>
        ListAsync<(string, long)>("SELECT severity, count(*) FROM operations.alerts WHERE state <> 'resolved' " +
            "GROUP BY severity ORDER BY severity");

    public Task<List<AlertRow>> AlertsAsync(string? state, string? severity, string? code, int page) =>
        ListAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                resolved_by, resolved_at, resolve_note
            FROM operations.alerts
            WHERE (@state::text IS NULL OR state = @state) AND (@severity::text IS NULL OR severity = @severity)
                AND (@code::text IS NULL OR code = @code)
            ORDER BY raised_at DESC, alert_id LIMIT @limit OFFSET @offset
            """, new { state, severity, code, limit = PageSize, offset = page * PageSize });

    public Task<AlertRow?> AlertAsync(string alertId) =>
        OneAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                resolved_by, resolved_at, resolve_note
            FROM operations.alerts WHERE alert_id = @alertId
            """, new { alertId });

    /// <summary>A subject's alerts of one code, newest first (e.g. a contest's cancel awaiting a second one).</summary>
    public Task<List<AlertRow>> SubjectAlertsAsync(string subject, string code) =>
        ListAsync<AlertRow>("""
            SELECT alert_id, source, severity, code, subject, message, raised_at, state, acked_by, acked_at, ack_note,
                   resolved_by, resolved_at, resolve_note
            FROM operations.alerts WHERE subject = @subject AND code = @code ORDER BY raised_at DESC, alert_id
            """, new { subject, code });

    public Task<List<string>> AlertCodesAsync() =>
        ListAsync<string>("SELECT DISTINCT code FROM operations.alerts ORDER BY code");
}
