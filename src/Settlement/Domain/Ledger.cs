using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Settlement.Domain;

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
/// One balanced entry of the double-entry ledger. Its id is the fact it records, so recording
/// the same fact again is "already recorded" and never a second entry; the same id with other
/// content is a bug.
/// </summary>
public sealed record JournalEntry(string JournalId, string? ContestId, string Kind, string Description, IReadOnlyList<Posting> Postings)
{
    /// <summary>The postings that move money (zero lines are left out), checked to balance per currency: a bug otherwise.</summary>
    public IReadOnlyList<Posting> Lines()
    {
        var lines = Postings.Where(p => p.Amount.MinorUnits != 0).ToList();
        foreach (var currency in lines.GroupBy(p => p.Amount.Currency))
        {
            var sum = currency.Aggregate(0L, (total, p) => checked(total + p.Amount.MinorUnits));
            if (sum != 0) throw new InvariantViolatedException($"journal entry {JournalId} does not balance in {currency.Key}: {sum}");
        }
        return lines;
    }
}
