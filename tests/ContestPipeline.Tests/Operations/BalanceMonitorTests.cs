using ContestPipeline.Operations.Queries.Balance;
using ContestPipeline.Operations.Queries.Players;

namespace ContestPipeline.Tests.Operations;

/// <summary>
/// The balance monitor's rules as pure logic: seed 003's levels exactly (depleted at or below 0;
/// critical below 1,000.00 or 50 % of the 1.2× reserve; warning below 5,000.00 or 80 %; healthy
/// from 10,000.00 and 100 %; low between warning and healthy), the trend and its days to empty,
/// and the tax year's reporting flag.
/// </summary>
public sealed class BalanceMonitorTests
{
    private static readonly BalanceMonitorOptions Seed = new();

    /// <summary>(why, available, obligations, level): every boundary from both sides.</summary>
    public static TheoryData<string, long, long, string> Levels => new()
    {
        { "nothing at all is depleted", 0, 0, BalanceStatus.Depleted },
        { "overdrawn is depleted", -1, 0, BalanceStatus.Depleted },
        { "a cent is critical", 1, 0, BalanceStatus.Critical },
        { "just below 1,000.00 is critical", 99_999, 0, BalanceStatus.Critical },
        { "1,000.00 is only a warning", 1_000_00, 0, BalanceStatus.Warning },
        { "just below 5,000.00 is a warning", 4_999_99, 0, BalanceStatus.Warning },
        { "5,000.00 is low, not a warning", 5_000_00, 0, BalanceStatus.Low },
        { "just below 10,000.00 is low", 9_999_99, 0, BalanceStatus.Low },
        { "10,000.00 with nothing owed is healthy", 10_000_00, 0, BalanceStatus.Healthy },
        // Owing 20,000.00: a reserve of 24,000.00; 50 % is 12,000.00 and 80 % is 19,200.00.
        { "below half the reserve is critical whatever the amount", 11_999_99, 20_000_00, BalanceStatus.Critical },
        { "half the reserve is a warning", 12_000_00, 20_000_00, BalanceStatus.Warning },
        { "just below 80 % of the reserve is a warning", 19_199_99, 20_000_00, BalanceStatus.Warning },
        { "80 % of the reserve is low", 19_200_00, 20_000_00, BalanceStatus.Low },
        { "just below the reserve is low", 23_999_99, 20_000_00, BalanceStatus.Low },
        { "the whole reserve and 10,000.00 is healthy", 24_000_00, 20_000_00, BalanceStatus.Healthy },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public void The_balance_is_at_exactly_seed_003s_level(string why, long available, long obligations, string level) =>
        Assert.True(level == BalanceStatus.Of(available, obligations, Seed),
            $"{why}: {BalanceStatus.Of(available, obligations, Seed)}, not {level}");

    [Fact]
    public void The_reserve_is_120_percent_of_obligations_rounded_up_to_the_cent()
    {
        Assert.Equal((0L, 2L, 12L, 24_000_00L), (BalanceStatus.Reserve(0), BalanceStatus.Reserve(1),
            BalanceStatus.Reserve(10), BalanceStatus.Reserve(20_000_00)));
        Assert.Equal([0, 0, 0, 1, 2, 3], new[] { BalanceStatus.Healthy, BalanceStatus.Low, "unknown",
            BalanceStatus.Warning, BalanceStatus.Critical, BalanceStatus.Depleted }
            .Select(BalanceStatus.Rank));
    }

    private static readonly DateTimeOffset Now = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);

    private static BalanceReading[] Daily(params long[] balances) =>
        [.. balances.Select((b, i) => new BalanceReading(Now.AddDays(i - balances.Length + 1), b))];

    [Fact]
    public void A_balance_falling_by_a_steady_amount_a_day_runs_out_in_whole_days_at_that_rate()
    {
        var trend = BalanceTrend.Of(Daily(10_000_00, 9_000_00, 8_000_00, 7_000_00), Now, Seed)!;
        Assert.Equal((-1_000_00L, (int?)7, 4, TimeSpan.FromDays(3)),
            (trend.ChangePerDayMinor, trend.DaysToEmpty, trend.Readings, trend.Span));
        Assert.Equal(BalanceStatus.Warning, trend.RunsOutLevel(Seed));
        Assert.Equal(BalanceStatus.Critical,
            BalanceTrend.Of(Daily(4_000_00, 3_000_00, 2_000_00), Now, Seed)!.RunsOutLevel(Seed));
        Assert.Null(BalanceTrend.Of(Daily(10_000_00, 9_900_00, 9_800_00), Now, Seed)!.RunsOutLevel(Seed));   // 98 days
    }

    [Fact]
    public void Noise_is_smoothed_by_least_squares_not_read_from_the_last_two_points()
    {
        // Falling 1,000.00 a day with a top-up in the middle: the last two points alone would say rising.
        var trend = BalanceTrend.Of(Daily(10_000_00, 9_000_00, 8_500_00, 7_000_00, 7_200_00), Now, Seed)!;
        Assert.True(trend.ChangePerDayMinor is < -60_000 and > -80_000, $"change per day {trend.ChangePerDayMinor}");
    }

    [Fact]
    public void A_rising_or_flat_balance_never_runs_out_and_too_little_history_is_no_trend()
    {
        Assert.Equal((50_00L, (int?)null), BalanceTrend.Of(Daily(1_000_00, 1_050_00, 1_100_00), Now, Seed) is { } t
            ? (t.ChangePerDayMinor, t.DaysToEmpty) : default);
        Assert.Null(BalanceTrend.Of(Daily(5_000_00, 5_000_00), Now, Seed)!.DaysToEmpty);
        Assert.Null(BalanceTrend.Of(Daily(5_000_00), Now, Seed));
        Assert.Null(BalanceTrend.Of([new(Now.AddHours(-1), 9_000_00), new(Now, 1_000_00)],
            Now, Seed));   // an hour is noise
        Assert.Null(BalanceTrend.Of([new(Now.AddDays(-30), 9_000_00), new(Now.AddDays(-20), 1_000_00)],
            Now, Seed));   // out of the window
        Assert.Equal((int?)0, BalanceTrend.Of(Daily(1_000_00, 0), Now, Seed)!.DaysToEmpty);
    }

    [Theory]
    [InlineData(59_999, false)]
    [InlineData(60_000, true)]
    [InlineData(1_000_000, true)]
    public void A_recipient_paid_600_00_or_more_in_the_year_is_reportable(long paid, bool reportable) =>
        Assert.Equal(reportable, TaxReporting.Reportable(paid, TaxReporting.ThresholdDefault));

    [Fact]
    public void The_tax_csv_flags_each_recipient_and_never_lets_a_spreadsheet_run_a_player_id()
    {
        var csv = TaxReporting.Csv(2026, [new TaxRow("ada", "USD", 60_000, 1_856, 3),
            new TaxRow("=cmd|'/c calc'!A1", "USD", 100, 3, 1)], TaxReporting.ThresholdDefault);
        Assert.Equal("year,player_id,currency,paid_minor,fees_minor,payouts,reportable\n" +
            "2026,ada,USD,60000,1856,3,yes\n2026,'=cmd|'/c calc'!A1,USD,100,3,1,no\n", csv);
        Assert.Equal("\"a,b\"", TaxReporting.CsvField("a,b"));
    }
}
