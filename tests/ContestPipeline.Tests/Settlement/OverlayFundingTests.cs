using ContestPipeline.Contracts.Contests;
using ContestPipeline.Local.Bench;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement.Contests;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// Who bears a guaranteed pool's overlay in the ledger: the platform (its overlay expense), or the sponsor the pool
/// names (their funding account, what the platform invoices them). The prizes are the same either way. Pure.
/// </summary>
public sealed class OverlayFundingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static SettlementTerms Settle(string? sponsor)
    {
        var contest = SettlementSlate.Contest("gtd", paidPlaces: 3, entries: 10) with
        {
            Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: 500_00, Sponsor: sponsor),
        };
        var standings = SettlementSlate.Standings("gtd", 10, seed: 3);
        var fees = SettlementSlate.Fees("gtd", standings);
        return SettlementTerms.Decide("gtd", contest, fees.Count, fees.Sum(f => f.AmountMinor), standings, Now);
    }

    private static Dictionary<string, long> Booked(SettlementTerms terms) =>
        terms.SettleEntry.Postings.Where(p => p.Amount.MinorUnits != 0)
            .GroupBy(p => p.Account).ToDictionary(g => g.Key, g => g.Sum(p => p.Amount.MinorUnits));

    [Fact]
    public void A_sponsors_pool_books_the_overlay_to_the_sponsors_funding_and_pays_the_same_prizes()
    {
        var platform = Settle(sponsor: null);
        var sponsored = Settle(sponsor: "acme");
        var overlay = sponsored.Pool.Overlay.MinorUnits;
        Assert.True(overlay > 0, "ten entries' fees fall short of the 500.00 guarantee");

        Assert.Equal(overlay, Booked(platform)[Accounts.OverlayExpense]);
        Assert.False(Booked(platform).ContainsKey(Accounts.SponsorFunding("acme")));
        Assert.Equal(overlay, Booked(sponsored)[Accounts.SponsorFunding("acme")]);
        Assert.False(Booked(sponsored).ContainsKey(Accounts.OverlayExpense));
        Assert.Equal(0, Booked(sponsored).Values.Sum());
        Assert.Equal(platform.Awards, sponsored.Awards);
        Assert.Equal(platform.Record, sponsored.Record);
    }
}
