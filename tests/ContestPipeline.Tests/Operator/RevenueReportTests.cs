using ContestPipeline.Operations.Queries.Revenue;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// The revenue report (cpctl revenue): the ledger's stream accounts summed by day, month and contest on
/// Settlement's real schema, credits read as income and the overlay as spend, totals reconciled with the
/// accounts' balances, and CSV an accountant can load.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class RevenueReportTests(PipelineFixture fixture)
{
    private static RevenuePosting P(string group, string account, long amount, string currency = "USD") =>
        new(group, account, currency, amount);

    [Fact]
    public void Credits_are_income_the_overlay_and_disputes_are_spend_and_net_is_their_difference()
    {
        var lines = RevenueReport.Lines([
            P("c1", Accounts.RakeRevenue, -1_000), P("c1", Accounts.FeeRevenue, -250),
            P("c2", Accounts.HouseTake, -300), P("c2", Accounts.OverlayExpense, 2_000),
            P("c2", Accounts.WithheldPrizes, -500), P("c1", Accounts.RakeRevenue, -5, "EUR"),
            P("(no contest)", Accounts.DisputeFees, 1_500), P("(no contest)", Accounts.DisputeLosses, 1_000),
            P("c1", Accounts.PaymentFees, 118)]);

        Assert.Equal([
            new RevenueLine("(no contest)", "USD", 0, 0, 0, 0, 0, 2_500),
            new RevenueLine("c1", "EUR", 5, 0, 0, 0, 0),
            new RevenueLine("c1", "USD", 1_000, 250, 0, 0, 0, ProcessingFeesMinor: 118),
            new RevenueLine("c2", "USD", 0, 0, 300, 500, 2_000)], lines);
        Assert.Equal([-2_500L, 1_132L, -1_200L], lines.Where(l => l.Currency == "USD").Select(l => l.NetMinor));
        Assert.Equal([new RevenueLine("total", "EUR", 5, 0, 0, 0, 0),
            new RevenueLine("total", "USD", 1_000, 250, 300, 500, 2_000, 2_500, ProcessingFeesMinor: 118)],
            RevenueReport.Totals(lines));
        Assert.Contains("disputes 0.00 USD, processing fees 1.18 USD, net 11.32 USD",
            RevenueReport.Describe(lines[2]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sponsors_funding_is_shown_by_itself_and_is_not_the_platforms_cost()
    {
        var lines = RevenueReport.Lines([
            P("c1", Accounts.RakeRevenue, -1_000), P("c1", Accounts.SponsorFunding("acme"), 4_000),
            P("c1", Accounts.SponsorFunding("zeta"), 500), P("c1", Accounts.OverlayExpense, 300)]);

        var line = Assert.Single(lines);
        Assert.Equal(new RevenueLine("c1", "USD", 1_000, 0, 0, 0, 300, 0, 4_500), line);
        Assert.Equal(700, line.NetMinor);
        Assert.EndsWith("net 7.00 USD; sponsors funded 45.00 USD", RevenueReport.Describe(line),
            StringComparison.Ordinal);
        Assert.False(Accounts.IsSponsorFunding(Accounts.OverlayExpense));
        Assert.False(Accounts.IsSponsorFunding("player:acme:prizes_payable"));
    }

    [Fact]
    public void Totals_that_differ_from_the_accounts_are_named_by_currency()
    {
        var lines = RevenueReport.Lines([P("2026-11-01", Accounts.RakeRevenue, -1_000)]);
        var totals = RevenueReport.Totals(lines);

        Assert.Empty(RevenueReport.Unreconciled(totals, [P("", Accounts.RakeRevenue, -1_000)]));
        var problem = Assert.Single(RevenueReport.Unreconciled(totals, [P("", Accounts.RakeRevenue, -1_200)]));
        Assert.StartsWith("USD: the ledger's stream accounts hold rake 12.00 USD", problem, StringComparison.Ordinal);
        Assert.Equal(2, RevenueReport.Unreconciled(totals, [P("", Accounts.FeeRevenue, -1, "EUR")]).Count);
    }

    [Fact]
    public void Csv_has_a_header_amounts_in_minor_units_and_quotes_what_needs_it()
    {
        var csv =
            RevenueReport.Csv([new RevenueLine("a,b", "USD", 100, 20, 0, 0, 50, 15, 70, 5)], RevenueGrouping.Contest);

        Assert.Equal("contest,currency,rake_minor,platform_fees_minor,house_take_minor,withheld_prizes_minor,"
            + "overlay_minor,dispute_costs_minor,net_minor,sponsor_spend_minor,processing_fees_minor\n"
            + "\"a,b\",USD,100,20,0,0,50,15,50,70,5\n",
            csv);
    }

    [Fact]
    public async Task The_ledger_is_summed_by_utc_day_month_and_contest_and_its_totals_are_the_accounts_balances()
    {
        await using var database = await fixture.WorkerDatabaseAsync(SettlementWorker.Name,
            SettlementWorker.Definition.AllMigrations);
        await using var conn = await database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO settlement.journal (journal_id, contest_id, kind, description, recorded_at) VALUES
                ('j1', 'c1', 'settle', 's', '2026-10-31T23:59:59Z'),
                ('j2', 'c2', 'settle', 's', '2026-11-01T00:00:00Z'),
                ('j3', 'c2', 'fee', 'f', '2026-11-02T12:00:00Z'), ('j4', NULL, 'other', 'o', '2026-11-02T13:00:00Z');
            INSERT INTO settlement.postings (journal_id, line, account, amount_minor, currency) VALUES
                ('j1', 1, 'platform:rake_revenue', -1000, 'USD'), ('j1', 2, 'contest:c1:entry_fees', 1000, 'USD'),
                ('j2', 1, 'platform:overlay_expense', 700, 'USD'), ('j2', 2, 'platform:house_take', -100, 'USD'),
                ('j2', 3, 'contest:c2:prize_pool', -850, 'USD'), ('j2', 4, 'sponsor:acme:funding', 200, 'USD'),
                ('j2', 5, 'sponsor:acme:deposits', 50, 'USD'),
                ('j3', 1, 'platform:fee_revenue', -40, 'USD'), ('j3', 2, 'player:p1:prizes_payable', 40, 'USD'),
                ('j4', 1, 'platform:stripe_balance', 9, 'USD'), ('j4', 2, 'platform:unapplied_payments', -9, 'USD');
            """);

        var byDay = RevenueReport.Lines(await RevenueStore.PostingsAsync(conn, RevenueGrouping.Day, null, null));
        Assert.Equal([new RevenueLine("2026-10-31", "USD", 1_000, 0, 0, 0, 0),
            new RevenueLine("2026-11-01", "USD", 0, 0, 100, 0, 700, 0, 200),
            new RevenueLine("2026-11-02", "USD", 0, 40, 0, 0, 0)], byDay);
        var byMonth = RevenueReport.Lines(await RevenueStore.PostingsAsync(conn, RevenueGrouping.Month, null, null));
        Assert.Equal(["2026-10", "2026-11"], byMonth.Select(l => l.GroupKey));
        Assert.Equal(-560, byMonth[1].NetMinor);
        var byContest = RevenueReport.Lines(
            await RevenueStore.PostingsAsync(conn, RevenueGrouping.Contest, null, null));
        Assert.Equal(["c1", "c2"], byContest.Select(l => l.GroupKey));
        Assert.Empty(RevenueReport.Unreconciled(RevenueReport.Totals(byContest),
            await RevenueStore.BalancesAsync(conn)));

        // From a day (inclusive) to the next (exclusive), as --from 2026-11-01 --to 2026-11-01 asks.
        var oneDay = await RevenueStore.PostingsAsync(conn, RevenueGrouping.Day,
            DateTimeOffset.Parse("2026-11-01T00:00:00Z"), DateTimeOffset.Parse("2026-11-02T00:00:00Z"));
        Assert.Equal(["2026-11-01"], RevenueReport.Lines(oneDay).Select(l => l.GroupKey));
    }
}
