using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>
/// One balanced entry of the double-entry ledger. Its id is the fact it records, so recording
/// the same fact again is "already recorded" and never a second entry; the same id with other
/// content is a bug.
/// </summary>
public sealed record JournalEntry(string JournalId, string? ContestId, string Kind, string Description,
    IReadOnlyList<Posting> Postings)
{
    /// <summary>
    /// The postings that move money (zero lines are left out), checked to balance per currency: a bug otherwise.
    /// </summary>
    public IReadOnlyList<Posting> Lines()
    {
        var lines = Postings.Where(p => p.Amount.MinorUnits != 0).ToList();
        foreach (var currency in lines.GroupBy(p => p.Amount.Currency))
        {
            var sum = currency.Aggregate(0L, (total, p) => checked(total + p.Amount.MinorUnits));
            if (sum != 0) throw new InvariantViolatedException($"journal entry {JournalId} does not balance in " +
                $"{currency.Key}: {sum}");
        }
        return lines;
    }
}
