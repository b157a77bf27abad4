using System.Globalization;
using ContestPipeline.Ingestion.Players;
using ContestPipeline.Rules.Players;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>The responsible-gaming rules as pure logic: what a request does to a player's limits, and when.</summary>
public sealed class LimitRulesTests
{
    private static readonly DateTimeOffset Now =
        DateTimeOffset.Parse("2026-11-21T12:00:00Z", CultureInfo.InvariantCulture);
    private static readonly LimitDefaults Defaults = new(100_000, null, TimeSpan.FromHours(24));

    private static (PlayerLimits Next, string Summary) Apply(PlayerLimits? current, LimitRequest request,
        DateTimeOffset? at = null) =>
        LimitRules.Apply(current, request, at ?? Now, Defaults);

    private static EffectiveLimits At(PlayerLimits s, DateTimeOffset at) => LimitRules.Effective(s, at, Defaults);

    [Fact]
    public void A_player_without_limits_has_the_platforms_default() =>
        Assert.Equal(new EffectiveLimits(100_000, null, null, null), LimitRules.Effective(null, Now, Defaults));

    [Fact]
    public void A_lowered_limit_takes_effect_at_once()
    {
        var (next, said) = Apply(null, new LimitRequest(20_000, 300_000, null, null));
        Assert.Equal(new EffectiveLimits(20_000, 300_000, null, null), At(next, Now));
        Assert.Equal("daily limit 20,000 from now; monthly limit 300,000 from now", said);
    }

    [Fact]
    public void A_raised_limit_waits_out_its_cooling_off_and_then_holds()
    {
        var (lowered, _) = Apply(null, new LimitRequest(20_000, 300_000, null, null));
        var (raised, said) = Apply(lowered, new LimitRequest(50_000, 600_000, null, null), Now.AddHours(1));
        Assert.Equal("daily limit 50,000 from 2026-11-22T13:00:00.000Z (a raise waits 24 h); 20,000 until then; "
            + "monthly limit 600,000 from 2026-11-22T13:00:00.000Z (a raise waits 24 h); 300,000 until then", said);
        Assert.Equal(new EffectiveLimits(20_000, 300_000, null, null), At(raised, Now.AddHours(25).AddTicks(-1)));
        Assert.Equal(new EffectiveLimits(50_000, 600_000, null, null), At(raised, Now.AddHours(25)));
        // Once matured, a later request starts from the raised limit.
        var (again, _) = Apply(raised, new LimitRequest(40_000, null, null, null), Now.AddDays(2));
        Assert.Equal(new EffectiveLimits(40_000, 600_000, null, null), At(again, Now.AddDays(2)));
    }

    [Fact]
    public void The_limits_as_they_stand_show_a_matured_raise_as_the_limit_and_forget_an_ended_exclusion()
    {
        var (raised, _) = Apply(new PlayerLimits { DailyMinor = 20_000 }, new LimitRequest(50_000, null, null, null));
        var (excluded, _) = Apply(raised, new LimitRequest(null, null, LimitRules.CoolingOff, 2));
        var waiting = LimitRules.Matured(excluded, Now.AddHours(1));
        Assert.Equal((20_000L, 50_000L), (waiting.DailyMinor, waiting.RaisedDailyMinor!.Value));
        Assert.Equal(LimitRules.CoolingOff, waiting.Exclusion);
        var later = LimitRules.Matured(excluded, Now.AddDays(3));
        Assert.Equal(new PlayerLimits { DailyMinor = 50_000 }, later);
    }

    [Fact]
    public void Lowering_during_a_waiting_raise_cancels_the_raise()
    {
        var (raised, _) = Apply(null, new LimitRequest(150_000, null, null, null));
        var (lowered, _) = Apply(raised, new LimitRequest(90_000, null, null, null), Now.AddHours(2));
        Assert.Equal(90_000, At(lowered, Now.AddDays(3)).DailyMinor);
        Assert.Null(lowered.RaisedDailyMinor);
    }

    [Fact]
    public void A_first_monthly_limit_is_set_at_once_whatever_its_size() =>
        Assert.Equal(5_000_000, At(Apply(null, new LimitRequest(null, 5_000_000, null, null)).Next, Now).MonthlyMinor);

    [Fact]
    public void An_exclusion_starts_at_once_ends_on_time_and_is_never_shortened()
    {
        var (cooling, said) = Apply(null, new LimitRequest(null, null, LimitRules.CoolingOff, 7));
        Assert.Equal("cooling_off until 2026-11-28T12:00:00.000Z: no entry is taken before then", said);
        Assert.Equal(Now.AddDays(7), At(cooling, Now).ExcludedUntil);
        var (shorter, no) = Apply(cooling, new LimitRequest(null, null, LimitRules.CoolingOff, 1), Now.AddDays(1));
        Assert.Equal(Now.AddDays(7), At(shorter, Now.AddDays(1)).ExcludedUntil);
        Assert.Equal("already excluded (cooling_off) until 2026-11-28T12:00:00.000Z, which an exclusion never shortens",
            no);
        Assert.Equal(new EffectiveLimits(100_000, null, null, null), At(cooling, Now.AddDays(7)));
    }

    [Fact]
    public void A_self_exclusion_outlasts_a_cooling_off_and_stays_one_when_lengthened()
    {
        var (self, _) = Apply(null, new LimitRequest(null, null, LimitRules.SelfExclusion, 180));
        var (longer, _) = Apply(self, new LimitRequest(null, null, LimitRules.CoolingOff, 42), Now.AddDays(150));
        Assert.Equal(new EffectiveLimits(100_000, null, LimitRules.SelfExclusion, Now.AddDays(192)),
            At(longer, Now.AddDays(150)));
    }

    [Fact]
    public void No_limit_is_raised_during_an_exclusion_but_one_may_be_lowered()
    {
        var (cooling, _) = Apply(null, new LimitRequest(null, null, LimitRules.CoolingOff, 3));
        var (after, said) = Apply(cooling, new LimitRequest(200_000, null, null, null), Now.AddDays(1));
        Assert.Equal("daily limit not raised to 200,000: no limit is raised during an exclusion", said);
        Assert.Equal(100_000, At(after, Now.AddDays(10)).DailyMinor);
        var (lowered, _) = Apply(cooling, new LimitRequest(10_000, null, null, null), Now.AddDays(1));
        Assert.Equal(10_000, At(lowered, Now.AddDays(10)).DailyMinor);
    }

    public static TheoryData<string, long?, long?, string?, int?, string> Refused => new()
    {
        { "nothing", null, null, null, null,
            "the request sets nothing: give dailyLimitMinor, monthlyLimitMinor or exclusion" },
        { "a negative daily limit", -1, null, null, null, "dailyLimitMinor -1 is outside 0 to 100,000,000" },
        { "a monthly limit too high", null, 100_000_001, null, null,
            "monthlyLimitMinor 100000001 is outside 0 to 100,000,000" },
        { "an unknown exclusion", null, null, "holiday", 3,
            "exclusion 'holiday' is not 'cooling_off' or 'self_exclusion'" },
        { "a cooling-off too long", null, null, "cooling_off", 43,
            "exclusionDays for cooling_off is 1 to 42 days, not 43" },
        { "a self-exclusion too short", null, null, "self_exclusion", 30,
            "exclusionDays for self_exclusion is 180 to 3,650 days, not 30" },
        { "an exclusion without days", null, null, "cooling_off", null,
            "exclusionDays for cooling_off is 1 to 42 days, and was not given" },
        { "days without an exclusion", 5_000, null, null, 3, "exclusionDays is given without an exclusion" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_request_that_cannot_be_applied_is_named(string name, long? daily, long? monthly, string? exclusion,
        int? days, string problem)
    {
        Assert.NotNull(name);
        var request = new LimitRequest(daily, monthly, exclusion, days);
        Assert.Equal(problem, LimitRules.Problem(request));
        Assert.Throws<ArgumentException>(() => LimitRules.Apply(null, request, Now, Defaults));
    }

    [Fact]
    public void Spend_is_counted_by_the_utc_day_and_month_a_submission_was_made_in_its_currency()
    {
        var spend = new PlayerSpend();
        spend.Add("p1", DateTimeOffset.Parse("2026-11-21T23:59:59Z", CultureInfo.InvariantCulture), 1_000, "USD");
        spend.Add("p1", DateTimeOffset.Parse("2026-11-22T00:00:00Z", CultureInfo.InvariantCulture), 2_000, "USD");
        spend.Add("p1", DateTimeOffset.Parse("2026-11-22T08:00:00Z", CultureInfo.InvariantCulture), 4_000, "EUR");
        spend.Add("p1", DateTimeOffset.Parse("2026-12-01T00:00:00Z", CultureInfo.InvariantCulture), 8_000, "USD");
        spend.Add("p2", DateTimeOffset.Parse("2026-11-22T09:00:00Z", CultureInfo.InvariantCulture), 16_000, "USD");
        var at = DateTimeOffset.Parse("2026-11-22T10:00:00+09:00", CultureInfo.InvariantCulture); // 01:00 UTC the 22nd
        Assert.Equal(2_000, spend.Day("p1", at, "USD"));
        Assert.Equal(3_000, spend.Month("p1", at, "usd"));
        Assert.Equal(4_000, spend.Day("p1", at, "EUR"));
        Assert.Equal(0, spend.Day("p3", at, "USD"));
    }
}
