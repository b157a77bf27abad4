using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>One line of a journal entry: a debit (positive) or credit (negative) to an account.</summary>
public readonly record struct Posting(string Account, Money Amount)
{
    public static Posting Debit(string account, Money amount) => new(account, amount);
    public static Posting Credit(string account, Money amount) => new(account, new Money(checked(-amount.MinorUnits), amount.Currency));
}

/// <summary>The ledger's accounts, named so a contest's can be found and summed.</summary>
public static class Accounts
{
    public const string StripeBalance = "platform:stripe_balance";
    public const string RakeRevenue = "platform:rake_revenue";
    public const string FeeRevenue = "platform:fee_revenue";
    public const string HouseTake = "platform:house_take";
    public const string OverlayExpense = "platform:overlay_expense";
    /// <summary>Prizes an operator rejected: never sent, kept by the platform.</summary>
    public const string WithheldPrizes = "platform:withheld_prizes";
    /// <summary>Payments that never became an entry (late, over a limit, refused), passing through on their way back to the player.</summary>
    public const string UnappliedPayments = "platform:unapplied_payments";
    public static string EntryFees(string contestId) => $"contest:{contestId}:entry_fees";
    public static string PrizePool(string contestId) => $"contest:{contestId}:prize_pool";
    public static string PrizesPayable(string playerId) => $"player:{playerId}:prizes_payable";
}

/// <summary>
/// Appends balanced journal entries. The journal id is deterministic (the fact it records),
/// so recording the same fact again is "already recorded", never a second entry. A journal
/// entry that does not balance is a bug: it stops the worker (and the database refuses it
/// at commit as well).
/// </summary>
public static class Journal
{
    public static async Task<bool> PostAsync(HandlerContext context, string journalId, string? contestId, string kind, string description, IReadOnlyList<Posting> postings)
    {
        var lines = postings.Where(p => p.Amount.MinorUnits != 0).ToList();
        foreach (var currency in lines.GroupBy(p => p.Amount.Currency))
        {
            var sum = currency.Aggregate(0L, (total, p) => checked(total + p.Amount.MinorUnits));
            if (sum != 0) throw new FatalWorkerException($"journal entry {journalId} does not balance in {currency.Key}: {sum}");
        }
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.journal (journal_id, contest_id, kind, description, recorded_at)
            VALUES (@journalId, @contestId, @kind, @description, @now) ON CONFLICT (journal_id) DO NOTHING
            """, new { journalId, contestId, kind, description, now = context.Clock.GetUtcNow() }, context.Transaction);
        if (inserted == 0 || lines.Count == 0) return inserted == 1;
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.postings (journal_id, line, account, amount_minor, currency)
            SELECT @journalId, * FROM unnest(@lines, @accounts, @amounts, @currencies)
            """, new
        {
            journalId,
            lines = Enumerable.Range(1, lines.Count).ToArray(),
            accounts = lines.Select(p => p.Account).ToArray(),
            amounts = lines.Select(p => p.Amount.MinorUnits).ToArray(),
            currencies = lines.Select(p => p.Amount.Currency.Code).ToArray(),
        }, context.Transaction);
        return true;
    }
}
