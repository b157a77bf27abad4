using System.Globalization;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Rules.Ledger;

namespace ContestPipeline.Operations.Queries.Revenue;

/// <summary>
/// A revenue report from the ledger's stream accounts (<see cref="RevenueStore"/>): one line per group and currency, a
/// total per currency, and, for a report over the whole book, a reconciliation of those totals against the accounts'
/// balances (any difference named). Revenue accounts are credited, so their sums are negated; the overlay, dispute,
/// payment-fee and sponsors' funding accounts are debited, so their sums are the spend as it stands. Pure: the same
/// postings give the same report.
/// </summary>
public static class RevenueReport
{
    public static IReadOnlyList<RevenueLine> Lines(IEnumerable<RevenuePosting> postings) =>
        [.. postings.GroupBy(p => (p.GroupKey, p.Currency))
            .OrderBy(g => g.Key.GroupKey, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => Line(g.Key.GroupKey, g.Key.Currency, g))];

    /// <summary>Each currency's total over <paramref name="lines"/>, its group named "total".</summary>
    public static IReadOnlyList<RevenueLine> Totals(IEnumerable<RevenueLine> lines) =>
        [.. lines.GroupBy(l => l.Currency).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new RevenueLine(
            "total", g.Key, g.Sum(l => l.RakeMinor), g.Sum(l => l.PlatformFeesMinor), g.Sum(l => l.HouseTakeMinor),
            g.Sum(l => l.WithheldPrizesMinor), g.Sum(l => l.OverlayMinor), g.Sum(l => l.DisputeCostsMinor),
            g.Sum(l => l.SponsorSpendMinor), g.Sum(l => l.ProcessingFeesMinor)))];

    /// <summary>
    /// Where the totals of a report over the whole book differ from the stream accounts' balances (none when they
    /// agree): a posting the grouping lost or counted twice would show here.
    /// </summary>
    public static IReadOnlyList<string> Unreconciled(IReadOnlyList<RevenueLine> totals,
        IEnumerable<RevenuePosting> balances)
    {
        var book = Totals(Lines(balances.Select(b => b with { GroupKey = "total" })));
        return [.. FullJoin(book, totals).Where(x => x.Book != x.Report)
            .Select(x => $"{x.Currency}: the ledger's stream accounts hold {Describe(x.Book)}, the report adds up to "
                + Describe(x.Report))];
    }

    /// <summary>The report as comma-separated values, amounts in minor units, with a header row.</summary>
    public static string Csv(IEnumerable<RevenueLine> lines, RevenueGrouping by)
    {
        var csv = new StringBuilder(
            $"{by.ToString().ToLowerInvariant()},currency,rake_minor,platform_fees_minor,house_take_minor," +
            "withheld_prizes_minor,overlay_minor,dispute_costs_minor,net_minor,sponsor_spend_minor," +
            "processing_fees_minor\n");
        foreach (var l in lines)
            csv.Append(CultureInfo.InvariantCulture, $"{Quoted(l.GroupKey)},{l.Currency},{l.RakeMinor},")
                .Append(CultureInfo.InvariantCulture, $"{l.PlatformFeesMinor},{l.HouseTakeMinor},")
                .Append(CultureInfo.InvariantCulture, $"{l.WithheldPrizesMinor},{l.OverlayMinor},")
                .Append(CultureInfo.InvariantCulture, $"{l.DisputeCostsMinor},{l.NetMinor},{l.SponsorSpendMinor},")
                .Append(CultureInfo.InvariantCulture, $"{l.ProcessingFeesMinor}\n");
        return csv.ToString();
    }

    /// <summary>One line as an operator reads it.</summary>
    public static string Describe(RevenueLine? l) => l is null ? "nothing" :
        $"rake {Money.Format(l.RakeMinor, l.Currency)}, platform fees {Money.Format(l.PlatformFeesMinor, l.Currency)}, "
        + $"house take {Money.Format(l.HouseTakeMinor, l.Currency)}, withheld prizes "
        + $"{Money.Format(l.WithheldPrizesMinor, l.Currency)}, overlay {Money.Format(l.OverlayMinor, l.Currency)}, "
        + $"disputes {Money.Format(l.DisputeCostsMinor, l.Currency)}, "
        + (l.ProcessingFeesMinor == 0 ? "" : $"processing fees {Money.Format(l.ProcessingFeesMinor, l.Currency)}, ")
        + $"net {Money.Format(l.NetMinor, l.Currency)}"
        + (l.SponsorSpendMinor == 0 ? "" : $"; sponsors funded {Money.Format(l.SponsorSpendMinor, l.Currency)}");

    private static RevenueLine Line(string group, string currency, IEnumerable<RevenuePosting> postings)
    {
        var sums = postings.GroupBy(p => p.Account).ToDictionary(g => g.Key, g => g.Sum(p => p.AmountMinor));
        long Sum(string account) => sums.GetValueOrDefault(account);
        return new RevenueLine(group, currency, -Sum(Accounts.RakeRevenue), -Sum(Accounts.FeeRevenue),
            -Sum(Accounts.HouseTake), -Sum(Accounts.WithheldPrizes), Sum(Accounts.OverlayExpense),
            checked(Sum(Accounts.DisputeFees) + Sum(Accounts.DisputeLosses)),
            sums.Where(s => Accounts.IsSponsorFunding(s.Key)).Sum(s => s.Value), Sum(Accounts.PaymentFees));
    }

    private static IEnumerable<(string Currency, RevenueLine? Book, RevenueLine? Report)> FullJoin(
        IReadOnlyList<RevenueLine> book, IReadOnlyList<RevenueLine> report) =>
        book.Select(b => b.Currency).Union(report.Select(r => r.Currency)).Order(StringComparer.Ordinal)
            .Select(c => (c, book.SingleOrDefault(b => b.Currency == c), report.SingleOrDefault(r => r.Currency == c)));

    private static string Quoted(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
