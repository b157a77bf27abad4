using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries.Audit;

/// <summary>
/// A contest's audit export: every money event in order as JSON lines, from the read model.
/// Each line is one object <c>{"seq","prev","inputsHash","resultHash","kind","at","data"}</c>:
/// <c>prev</c> is the SHA-256 (hex) of the previous line's UTF-8 bytes (64 zeros before the first),
/// so a line changed, removed or moved breaks the chain; <c>inputsHash</c> is the scoring inputs'
/// hash and <c>resultHash</c> the settlement result's (<see cref="AuditChain.ResultHash"/>). Kinds in order:
/// <c>contest</c> (definition, hashes, settlement and PAID records), <c>entry</c>, <c>rejection</c>,
/// <c>standing</c> (every final row), <c>payout_order</c>, <c>money</c> (every step of every payout
/// and refund, append-only history). <c>cpctl audit verify</c> checks the chain and recomputes the
/// settlement from the definition, entries and standings.
/// </summary>
public static class AuditExportStore
{
    public static async Task<IReadOnlyList<string>> LinesAsync(NpgsqlConnection conn, string contestId,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var contest = await conn.QueryFirstOrDefaultAsync<(string? Definition, string? EntriesHash,
            string? StandingsHash, string? InputsHash, string? Settled, string? Paid, string State)?>(
            "SELECT definition::text, entries_hash, standings_hash, inputs_hash, settled::text, paid::text, state " +
            "FROM operations.contests WHERE contest_id = @contestId", new { contestId });
        if (contest is not { } c || c.Definition is null) return [];
        var orders = await OrdersAsync(conn, contestId);
        var result = AuditChain.ResultHash(orders.Where(o => o.Kind == "prize")
            .Select(o => (o.PayoutId, o.EntryId, o.Rank, o.Gross, o.Fee, o.Net)));
        var lines = new List<string>();
        var prev = AuditChain.Genesis;
        void Add(string kind, DateTimeOffset? at, JsonNode data)
        {
            var line = new JsonObject
            {
                ["seq"] = lines.Count + 1, ["prev"] = prev, ["inputsHash"] = c.InputsHash, ["resultHash"] = result,
                ["kind"] = kind, ["at"] = at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
                    System.Globalization.CultureInfo.InvariantCulture), ["data"] = data,
            }.ToJsonString();
            lines.Add(line);
            prev = AuditChain.Sha256(line);
        }
        Add("contest", null, new JsonObject
        {
            ["contestId"] = contestId, ["state"] = c.State, ["definition"] = JsonNode.Parse(c.Definition),
            ["entriesHash"] = c.EntriesHash, ["standingsHash"] = c.StandingsHash,
            ["settled"] = c.Settled is null ? null : JsonNode.Parse(c.Settled),
            ["paid"] = c.Paid is null ? null : JsonNode.Parse(c.Paid),
        });
        foreach (var e in await conn.QueryAsync<(string EntryId, string PlayerId, string Pi, long Amount,
            string Currency, DateTimeOffset At)>("SELECT entry_id, player_id, payment_intent_id, amount_minor, " +
            "currency, accepted_at FROM operations.entries WHERE contest_id = @contestId " +
            "ORDER BY accepted_at, entry_id", new { contestId }))
            Add("entry", e.At, new JsonObject { ["entryId"] = e.EntryId, ["playerId"] = e.PlayerId,
                ["paymentIntentId"] = e.Pi, ["amountMinor"] = e.Amount, ["currency"] = e.Currency });
        foreach (var r in await conn.QueryAsync<(string Sub, string PlayerId, string Pi, string Reason,
            string? RefundId, DateTimeOffset At)>("SELECT submission_id, player_id, payment_intent_id, reason, " +
            "refund_id, at FROM operations.rejections WHERE contest_id = @contestId ORDER BY at, submission_id",
            new { contestId }))
            Add("rejection", r.At, new JsonObject { ["submissionId"] = r.Sub, ["playerId"] = r.PlayerId,
                ["paymentIntentId"] = r.Pi, ["reason"] = r.Reason, ["refundId"] = r.RefundId });
        foreach (var s in await conn.QueryAsync<(int Rank, string EntryId, string PlayerId, long Score)>(
            "SELECT rank, entry_id, player_id, score_milli FROM operations.final_standings " +
            "WHERE contest_id = @contestId ORDER BY chunk_index, position", new { contestId }))
            Add("standing", null, new JsonObject { ["rank"] = s.Rank, ["entryId"] = s.EntryId,
                ["playerId"] = s.PlayerId, ["scoreMilli"] = s.Score });
        foreach (var o in orders)
            Add("payout_order", o.OrderedAt, new JsonObject
            {
                ["payoutId"] = o.PayoutId, ["kind"] = o.Kind, ["entryId"] = o.EntryId, ["playerId"] = o.PlayerId,
                ["rank"] = o.Rank, ["grossMinor"] = o.Gross, ["feeMinor"] = o.Fee, ["netMinor"] = o.Net,
                ["currency"] = o.Currency,
            });
        foreach (var m in await conn.QueryAsync<(string MessageId, string SubjectId, DateTimeOffset At, string Event,
            string? State, string? HoldKind, string? Operator, string Reason, long? Amount, string? Currency)>("""
            SELECT message_id, subject_id, at, event, state, hold_kind, operator, reason, amount_minor, currency
            FROM operations.money_history WHERE contest_id = @contestId ORDER BY at, message_id
            """, new { contestId }))
            Add("money", m.At, new JsonObject
            {
                ["messageId"] = m.MessageId, ["subjectId"] = m.SubjectId, ["event"] = m.Event, ["state"] = m.State,
                ["holdKind"] = m.HoldKind, ["operator"] = m.Operator, ["reason"] = m.Reason,
                ["amountMinor"] = m.Amount, ["currency"] = m.Currency,
            });
        ct.ThrowIfCancellationRequested();
        return lines;
    }

    /// <summary>The contest's payout orders (prizes and make-goods), in the order they were made.</summary>
    private static async Task<List<(string PayoutId, string Kind, string EntryId, string PlayerId, int Rank, long Gross,
        long Fee, long Net, string Currency, DateTimeOffset OrderedAt)>> OrdersAsync(NpgsqlConnection conn,
        string contestId) =>
        (await conn.QueryAsync<(string PayoutId, string Kind, string EntryId, string PlayerId, int Rank,
            long Gross, long Fee, long Net, string Currency, DateTimeOffset OrderedAt)>("""
            SELECT payout_id, kind, entry_id, player_id, rank, gross_minor, fee_minor, net_minor, currency, ordered_at
            FROM operations.payouts WHERE contest_id = @contestId ORDER BY ordered_at, payout_id
            """, new { contestId })).ToList();
}
