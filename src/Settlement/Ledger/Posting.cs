using ContestPipeline.Contracts;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>One line of a journal entry: a debit (positive) or credit (negative) to an account.</summary>
public readonly record struct Posting(string Account, Money Amount)
{
    public static Posting Debit(string account, Money amount) => new(account, amount);
    public static Posting Credit(string account, Money amount) =>
        new(account, new Money(checked(-amount.MinorUnits), amount.Currency));
}
