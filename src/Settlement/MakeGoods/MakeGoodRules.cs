using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Settlement.Entries;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// Credit-only make-goods after a correction reported after COMPLETE. The official result
/// stands; an entry whose corrected standing would pay a larger net prize is owed the
/// difference, paid by the platform as an extra prize; an entry the correction disfavours
/// keeps what it was paid. Pure: the same contest, standings and report give the same items.
/// </summary>
public static class MakeGoodRules
{
    /// <summary>
    /// What the report's corrections would owe each entry, less what earlier make-goods booked
    /// for it (<paramref name="bookedMinor"/> by entry id). The corrected standings are the
    /// official ones with every changed entry's corrected rank and score: the report lists every
    /// entry whose rank or score changed, so the others stand as they were.
    /// </summary>
    public static MakeGoodsAssessed Assess(StandingsCorrectionReported report, ContestDefined definition,
        IReadOnlyList<EntryFee> entries,
        IReadOnlyList<StandingRow> official, IReadOnlyDictionary<string, long> bookedMinor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(definition);
        var rules = PrizeRules.From(definition);
        if (report.Changes.Count < report.ChangedCount)
            return new MakeGoodsAssessed(report.ContestId, report.CorrectionsSoFar, report.CorrectedStandingsHash,
                rules.Currency.Code, [], 0, false,
                $"the report lists {report.Changes.Count} of {report.ChangedCount} changed entries; make-goods need " +
                "every change, so they are decided by hand", now);
        var fees = new Money(entries.Aggregate(0L, (sum, e) => checked(sum + e.AmountMinor)), rules.Currency);
        var changes = report.Changes.ToDictionary(c => c.EntryId, StringComparer.Ordinal);
        var corrected = official.Select(r =>
            changes.TryGetValue(r.EntryId, out var c)
            ? new StandingRow(c.CorrectedRank, r.EntryId, r.PlayerId, c.CorrectedScoreMilli) : r)
            .ToList();
        var before = NetByEntry(PrizeCalculator.Calculate(report.ContestId, rules, fees, official));
        var after = NetByEntry(PrizeCalculator.Calculate(report.ContestId, rules, fees, corrected));
        var officialRank = official.ToDictionary(r => r.EntryId, r => r.Rank, StringComparer.Ordinal);
        var items = new List<MakeGoodItem>();
        foreach (var row in corrected.OrderBy(r => r.Rank).ThenBy(r => r.EntryId, StringComparer.Ordinal))
        {
            var was = before.GetValueOrDefault(row.EntryId);
            var now2 = after.GetValueOrDefault(row.EntryId);
            var owed = checked(now2 - was - bookedMinor.GetValueOrDefault(row.EntryId));
            if (owed <= 0) continue;
            items.Add(new MakeGoodItem(row.EntryId, row.PlayerId, officialRank[row.EntryId],
                row.Rank, was, now2, owed));
        }
        var total = items.Aggregate(0L, (sum, i) => checked(sum + i.MakeGoodMinor));
        var note = items.Count == 0 ? "no entry's corrected standing pays more than it was paid" : $"{items.Count} " +
            $"entries are owed {new Money(total, rules.Currency)}";
        return new MakeGoodsAssessed(report.ContestId, report.CorrectionsSoFar, report.CorrectedStandingsHash,
            rules.Currency.Code, items, total, true, note, now);
    }

    private static Dictionary<string, long> NetByEntry(PrizeDecision decision) =>
        (decision.Settlement?.Awards ?? []).ToDictionary(a => a.EntryId, a => a.Net.MinorUnits, StringComparer.Ordinal);

    /// <summary>The ledger account make-goods are expensed to.</summary>
    public const string ExpenseAccount = "platform:make_good_expense";
}
