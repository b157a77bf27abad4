using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.Entries;

/// <summary>
/// Entries as the read model shows them: each accepted entry, counted once on its contest, and each submission
/// that did not become one, with its reason.
/// </summary>
public static class EntryStore
{
    /// <summary>
    /// A run of accepted entries, each with the message that brought it: each message on its contest's timeline, each
    /// entry recorded once and counted once; the entries it recorded (not those recorded already).
    /// </summary>
    public static async Task<HashSet<string>> EntriesAcceptedAsync(HandlerContext context,
        IReadOnlyList<(EntryAccepted Entry, Envelope Message, string Summary)> run)
    {
        await ExecuteAsync(context, """
            INSERT INTO operations.contests (contest_id, state)
            SELECT DISTINCT c, 'UNKNOWN' FROM unnest(@contests) AS t(c) ORDER BY 1 ON CONFLICT DO NOTHING
            """, new { contests = run.Select(r => r.Entry.ContestId).ToArray() });
        var once = run.DistinctBy(r => r.Message.MessageId, StringComparer.Ordinal).ToList();
        await ExecuteAsync(context, """
            INSERT INTO operations.contest_events (message_id, contest_id, at, kind, summary)
            SELECT id, c, at, 'entry_accepted', summary
            FROM unnest(@ids, @contests, @ats, @summaries) AS t(id, c, at, summary)
            ON CONFLICT DO NOTHING
            """, new
        {
            ids = once.Select(r => r.Message.MessageId).ToArray(),
            contests = once.Select(r => r.Entry.ContestId).ToArray(),
            ats = once.Select(r => r.Message.OccurredAt).ToArray(), summaries = once.Select(r => r.Summary).ToArray(),
        });
        var entries = run.Select(r => r.Entry).DistinctBy(e => e.EntryId, StringComparer.Ordinal).ToList();
        var inserted = (await context.Connection.QueryAsync<(string EntryId, string ContestId)>("""
            INSERT INTO operations.entries (entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency,
                accepted_at)
            SELECT * FROM unnest(@ids, @contests, @players, @payments, @amounts, @currencies, @ats)
            ON CONFLICT DO NOTHING
            RETURNING entry_id, contest_id
            """, new
        {
            ids = entries.Select(e => e.EntryId).ToArray(), contests = entries.Select(e => e.ContestId).ToArray(),
            players = entries.Select(e => e.PlayerId).ToArray(),
            payments = entries.Select(e => e.PaymentIntentId).ToArray(),
            amounts = entries.Select(e => e.AmountMinor).ToArray(),
            currencies = entries.Select(e => e.Currency).ToArray(),
            ats = entries.Select(e => e.AcceptedAt).ToArray(),
        }, context.Transaction)).ToList();
        var counts = inserted.GroupBy(r => r.ContestId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        await ExecuteAsync(context, """
            UPDATE operations.contests c SET entry_count = c.entry_count + t.n
            FROM unnest(@contests, @counts) AS t(contest_id, n) WHERE c.contest_id = t.contest_id
            """, new
        {
            contests = counts.Select(g => g.Key).ToArray(), counts = counts.Select(g => g.Count()).ToArray(),
        });
        return [.. inserted.Select(r => r.EntryId)];
    }

    /// <summary>A rejected submission; false when it was recorded already.</summary>
    public static async Task<bool> EntryRejectedAsync(HandlerContext context, EntryRejected rejected) =>
        await ExecuteAsync(context, """
            INSERT INTO operations.rejections (submission_id, contest_id, player_id, payment_intent_id, reason,
                refund_id, at)
            VALUES (@SubmissionId, @ContestId, @PlayerId, @PaymentIntentId, @Reason, @RefundId, @at)
            ON CONFLICT DO NOTHING
            """, new
        {
            rejected.SubmissionId, rejected.ContestId, rejected.PlayerId, rejected.PaymentIntentId, rejected.Reason,
            rejected.RefundId,
            at = At(context),
        }) == 1;
}
