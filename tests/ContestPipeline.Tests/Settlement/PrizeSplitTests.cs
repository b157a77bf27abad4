using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Tests.Settlement;

public sealed class PrizeSplitTests
{
    [Theory]
    [InlineData(1_000, new long[] { 1, 1, 1 }, new long[] { 334, 333, 333 })]
    [InlineData(9_999, new long[] { 5_000, 3_000, 2_000 }, new long[] { 5_000, 3_000, 1_999 })]
    [InlineData(1_001, new long[] { 5_000, 3_000 }, new long[] { 626, 375 })]
    [InlineData(2, new long[] { 1, 1, 1 }, new long[] { 1, 1, 0 })]
    [InlineData(0, new long[] { 5_000, 3_000, 2_000 }, new long[] { 0, 0, 0 })]
    [InlineData(7, new long[] { 1 }, new long[] { 7 })]
    [InlineData(long.MaxValue, new long[] { 2, 1 },
        new long[] { 6_148_914_691_236_517_205, 3_074_457_345_618_258_602 })]
    public void A_weighted_split_floors_each_part_and_gives_leftover_cents_to_the_first_parts(long amount,
        long[] weights, long[] expected) =>
        Assert.Equal(expected, PrizeSplit.ByWeights(amount, weights));

    [Theory]
    [InlineData(10_000, 3, new long[] { 3_334, 3_333, 3_333 })]
    [InlineData(2_001, 2, new long[] { 1_001, 1_000 })]
    [InlineData(5, 7, new long[] { 1, 1, 1, 1, 1, 0, 0 })]
    [InlineData(0, 2, new long[] { 0, 0 })]
    public void An_even_split_gives_leftover_cents_to_the_first_parts(long amount, int count, long[] expected) =>
        Assert.Equal(expected, PrizeSplit.Evenly(amount, count));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999_999)]
    [InlineData(1_000_000_007)]
    [InlineData(long.MaxValue)]
    public void A_split_over_ranges_pays_each_place_what_the_place_by_place_split_pays(long amount)
    {
        // 1st 40%, 2nd-3rd 10% each, 4th-13th 3% each, 14th-213th 0.05% each: a table's shape in parts per billion.
        PlaceRun[] runs =
            [new(1, 1, 400_000_000), new(2, 3, 100_000_000), new(4, 13, 30_000_000), new(14, 213, 500_000)];
        var placeByPlace =
            PrizeSplit.ByWeights(amount, [.. runs.SelectMany(r => Enumerable.Repeat(r.Value, r.Places))]);

        var ranges = PrizeSplit.RunsByWeights(amount, runs);

        Assert.Equal(placeByPlace, ranges.SelectMany(r => Enumerable.Repeat(r.Value, r.Places)));
        Assert.True(ranges.Length <= runs.Length + 1, $"{ranges.Length} ranges for {runs.Length} rows");
    }

    [Fact]
    public void A_split_over_ranges_that_leave_a_gap_throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => PrizeSplit.RunsByWeights(1, [new(1, 1, 1), new(3, 3, 1)]));
        Assert.ThrowsAny<ArgumentException>(() => PrizeSplit.RunsByWeights(1, [new(2, 2, 1)]));
    }

    [Fact]
    public void A_split_of_a_negative_amount_or_by_no_weights_throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => PrizeSplit.ByWeights(-1, [1]));
        Assert.ThrowsAny<ArgumentException>(() => PrizeSplit.ByWeights(1, []));
        Assert.ThrowsAny<ArgumentException>(() => PrizeSplit.ByWeights(1, [1, 0]));
        Assert.ThrowsAny<ArgumentException>(() => PrizeSplit.Evenly(1, 0));
    }
}
