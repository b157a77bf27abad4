using ContestPipeline.Contracts.Contests;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Tests.Scoring;

public sealed class ScoringRulesTests
{
    private static readonly ScoringRules Football = new(ScoringContests.Football);

    [Theory]
    [InlineData("passing_yards", 250, 10_000)]      // 0.04 points a yard
    [InlineData("passing_yards", 1, 40)]
    [InlineData("passing_touchdowns", 3, 12_000)]
    [InlineData("interceptions", 2, -2_000)]        // negative points
    [InlineData("fumbles_lost", 1, -2_000)]
    [InlineData("rushing_yards", -3, -300)]          // a loss of yards scores negative
    [InlineData("passing_yards", 0, 0)]
    [InlineData("receptions", 9, 0)]                 // a rule worth nothing
    [InlineData("steps", 10_000, 0)]                 // no rule names it
    [InlineData("Passing_Yards", 250, 0)]            // stat names compare ordinally
    public void Points_are_the_value_times_the_rule_in_thousandths(string stat, long value, long expectedMilli) =>
        Assert.Equal(expectedMilli, Football.PointsMilli(stat, value));

    [Theory]
    [InlineData(long.MaxValue, 40)]
    [InlineData(long.MinValue, -1)]
    [InlineData(Stats.ValueMax, long.MaxValue)]
    public void Points_that_do_not_fit_in_a_long_throw_instead_of_wrapping(long value, long pointsPerUnitMilli)
    {
        var rules = new ScoringRules([new ScoringRule("points", pointsPerUnitMilli)]);
        Assert.Throws<OverflowException>(() => rules.PointsMilli("points", value));
    }

    [Fact]
    public void Duplicate_rules_for_a_stat_add_up_exactly_whatever_their_order()
    {
        // Each product overflows on its own; their exact sum fits.
        ScoringRule[] rules = [new("points", long.MaxValue), new("points", -long.MaxValue), new("points", 3)];
        foreach (var order in new[] { rules, rules.Reverse().ToArray(), [rules[1], rules[2], rules[0]] })
            Assert.Equal(6, new ScoringRules(order).PointsMilli("points", 2));
    }

    [Fact]
    public void Slots_follow_the_ordinal_order_of_stat_names_not_the_order_of_the_rules()
    {
        var rules = new ScoringRules([new("steps", 1), new("calories", 2), new("active_minutes", 3), new("steps", 4)]);
        Assert.Equal(["active_minutes", "calories", "steps"], rules.Stats);
        Assert.True(rules.TryGetSlot("steps", out var slot));
        Assert.Equal(2, slot);
        Assert.Equal(50, rules.PointsMilli(slot, 10));
        Assert.False(rules.TryGetSlot("distance_m", out _));
    }
}
