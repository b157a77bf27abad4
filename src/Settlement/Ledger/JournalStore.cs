using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Ledger;
using Dapper;
using NpgsqlTypes;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>
/// Appends balanced journal entries. The journal id is the fact recorded, so recording the
/// same fact again is "already recorded" (false), never a second entry; the same id with other
/// money in it (another contest, kind, account or amount) is a bug, as the outbox treats a
/// message id with other content. A journal entry that does not balance is a bug too, and the
/// database refuses it as well, at the end of the statement that inserts its postings (each
/// entry's postings go in one statement: settlement/0009). It also reads what a contest's own
/// accounts hold, which settling checks comes to zero.
/// </summary>
public static class JournalStore
{
    public static async Task<bool> PostAsync(TransactionContext context, JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        var lines = entry.Lines();
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.journal (journal_id, contest_id, kind, description, recorded_at)
            VALUES (@JournalId, @ContestId, @Kind, @Description, @now) ON CONFLICT (journal_id) DO NOTHING
            """, new { entry.JournalId, entry.ContestId, entry.Kind, entry.Description,
                now = context.Clock.GetUtcNow() }, context.Transaction);
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

    /// <summary>
    /// Appends journal entries no transaction has recorded before, in two binary COPYs (the
    /// entries, then their postings): for a settle run's prize entries, whose cursor moves in
    /// the same transaction, so a chunk is never appended twice. An id already recorded is a
    /// bug here, and the key refuses it. Each entry is checked to balance, as PostAsync does.
    /// </summary>
    public static async Task AppendNewAsync(TransactionContext context, IReadOnlyList<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        var now = context.Clock.GetUtcNow();
        var lines = new IReadOnlyList<Posting>[entries.Count];
        await using (var writer = await context.Connection.BeginBinaryImportAsync(
            "COPY settlement.journal (journal_id, contest_id, kind, description, recorded_at) FROM " +
            "STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                lines[i] = e.Lines();
                await writer.StartRowAsync();
                await writer.WriteAsync(e.JournalId, NpgsqlDbType.Text);
                if (e.ContestId is null) await writer.WriteNullAsync();
                else await writer.WriteAsync(e.ContestId, NpgsqlDbType.Text);
                await writer.WriteAsync(e.Kind, NpgsqlDbType.Text);
                await writer.WriteAsync(e.Description, NpgsqlDbType.Text);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await writer.CompleteAsync();
        }
        await using (var writer = await context.Connection.BeginBinaryImportAsync(
            "COPY settlement.postings (journal_id, line, account, amount_minor, currency) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < entries.Count; i++)
            {
                for (var l = 0; l < lines[i].Count; l++)
                {
                    var p = lines[i][l];
                    await writer.StartRowAsync();
                    await writer.WriteAsync(entries[i].JournalId, NpgsqlDbType.Text);
                    await writer.WriteAsync(l + 1, NpgsqlDbType.Integer);
                    await writer.WriteAsync(p.Account, NpgsqlDbType.Text);
                    await writer.WriteAsync(p.Amount.MinorUnits, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(p.Amount.Currency.Code, NpgsqlDbType.Text);
                }
            }
            await writer.CompleteAsync();
        }
    }

    /// <summary>
    /// The contest's own entry-fee and prize-pool accounts that are not zero (after settling, none may be).
    /// </summary>
    public static async Task<IReadOnlyList<(string Account, long Balance)>> OpenContestAccountsAsync(
        TransactionContext context, string contestId) =>
        [.. await context.Connection.QueryAsync<(string Account, long Balance)>("""
            SELECT account, sum(amount_minor)::bigint FROM settlement.postings WHERE account IN (@pool, @fees)
            GROUP BY account HAVING sum(amount_minor) <> 0
            """, new { pool = Accounts.PrizePool(contestId), fees = Accounts.EntryFees(contestId) },
            context.Transaction)];

    private static async Task ExpectSameAsync(TransactionContext context, JournalEntry entry,
        IReadOnlyList<Posting> lines)
    {
        var head = await context.Connection.QueryFirstAsync<(string? ContestId, string Kind)>(
            "SELECT contest_id, kind FROM settlement.journal WHERE journal_id = @JournalId",
            entry, context.Transaction);
        var recorded = (await context.Connection.QueryAsync<(string Account, long Amount, string Currency)>(
            "SELECT account, amount_minor, currency FROM settlement.postings WHERE journal_id = @JournalId " +
            "ORDER BY line", entry, context.Transaction)).ToList();
        var now = lines.Select(p => (p.Account, p.Amount.MinorUnits, p.Amount.Currency.Code)).ToList();
        if (head.ContestId == entry.ContestId && head.Kind == entry.Kind && recorded.SequenceEqual(now)) return;
        throw new InvariantViolatedException(
            $"journal entry {entry.JournalId} is already recorded with other content ({head.Kind}, " +
            $"contest {head.ContestId}, " +
            $"{string.Join(" ", recorded.Select(r => $"{r.Account} {r.Amount} {r.Currency}"))}); now {entry.Kind}, " +
            $"contest {entry.ContestId}, " +
            $"{string.Join(" ", now.Select(r => $"{r.Account} {r.MinorUnits} {r.Code}"))}");
    }
}
