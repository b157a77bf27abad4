using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using Dapper;

namespace ContestPipeline.Settlement.Store;

/// <summary>
/// Appends balanced journal entries. The journal id is the fact recorded, so recording the
/// same fact again is "already recorded" (false), never a second entry; the same id with other
/// money in it (another contest, kind, account or amount) is a bug, as the outbox treats a
/// message id with other content. A journal entry that does not balance is a bug too, and the
/// database refuses it at commit as well.
/// </summary>
public static class Journal
{
    public static async Task<bool> PostAsync(HandlerContext context, JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        var lines = entry.Lines();
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.journal (journal_id, contest_id, kind, description, recorded_at)
            VALUES (@JournalId, @ContestId, @Kind, @Description, @now) ON CONFLICT (journal_id) DO NOTHING
            """, new { entry.JournalId, entry.ContestId, entry.Kind, entry.Description, now = context.Clock.GetUtcNow() }, context.Transaction);
        if (inserted == 0)
        {
            await ExpectSameAsync(context, entry, lines);
            return false;
        }
        if (lines.Count == 0) return true;
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.postings (journal_id, line, account, amount_minor, currency)
            SELECT @journalId, * FROM unnest(@lines, @accounts, @amounts, @currencies)
            """, new
        {
            journalId = entry.JournalId,
            lines = Enumerable.Range(1, lines.Count).ToArray(),
            accounts = lines.Select(p => p.Account).ToArray(),
            amounts = lines.Select(p => p.Amount.MinorUnits).ToArray(),
            currencies = lines.Select(p => p.Amount.Currency.Code).ToArray(),
        }, context.Transaction);
        return true;
    }

    private static async Task ExpectSameAsync(HandlerContext context, JournalEntry entry, IReadOnlyList<Posting> lines)
    {
        var head = await context.Connection.QueryFirstAsync<(string? ContestId, string Kind)>(
            "SELECT contest_id, kind FROM settlement.journal WHERE journal_id = @JournalId", entry, context.Transaction);
        var recorded = (await context.Connection.QueryAsync<(string Account, long Amount, string Currency)>(
            "SELECT account, amount_minor, currency FROM settlement.postings WHERE journal_id = @JournalId ORDER BY line", entry, context.Transaction)).ToList();
        var now = lines.Select(p => (p.Account, p.Amount.MinorUnits, p.Amount.Currency.Code)).ToList();
        if (head.ContestId == entry.ContestId && head.Kind == entry.Kind && recorded.SequenceEqual(now)) return;
        throw new InvariantViolatedException(
            $"journal entry {entry.JournalId} is already recorded with other content ({head.Kind}, contest {head.ContestId}, " +
            $"{string.Join(" ", recorded.Select(r => $"{r.Account} {r.Amount} {r.Currency}"))}); now {entry.Kind}, contest {entry.ContestId}, " +
            $"{string.Join(" ", now.Select(r => $"{r.Account} {r.MinorUnits} {r.Code}"))}");
    }
}
