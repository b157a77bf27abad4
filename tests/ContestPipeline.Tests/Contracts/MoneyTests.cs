using ContestPipeline.Contracts;

namespace ContestPipeline.Tests.Contracts;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(10_000, 300, 300)]      // 3% of 100.00 = 3.00
    [InlineData(1_650, 300, 50)]        // 49.5 rounds half-up to 50
    [InlineData(1_649, 300, 49)]        // 49.47 rounds down
    [InlineData(50, 100, 1)]            // 0.5 rounds up
    [InlineData(49, 100, 0)]            // 0.49 rounds down
    [InlineData(0, 300, 0)]
    [InlineData(12_345, 10_000, 12_345)]
    [InlineData(-1_650, 300, -50)]      // half away from zero for refunds and reversals
    [InlineData(long.MaxValue, 10_000, long.MaxValue)]
    public void Basis_points_round_half_up_without_overflow(long amount, int bp, long expected) =>
        Assert.Equal(expected, new BasisPoints(bp).ApplyHalfUp(amount));

    [Fact]
    public void Arithmetic_overflow_throws_instead_of_wrapping()
    {
        var big = new Money(long.MaxValue, Currency.Usd);
        Assert.Throws<OverflowException>(() => big + new Money(1, Currency.Usd));
    }

    [Fact]
    public void Mixing_currencies_throws()
    {
        var ex =
            Assert.Throws<InvalidOperationException>(() => new Money(1, Currency.Usd) + new Money(1, Currency.Eur));
        Assert.Equal("currency mismatch: USD and EUR", ex.Message);
    }

    [Theory]
    [InlineData(0, "0.00 USD")]
    [InlineData(5, "0.05 USD")]
    [InlineData(12_345, "123.45 USD")]
    [InlineData(-12_345, "-123.45 USD")]
    [InlineData(long.MinValue, "-92233720368547758.08 USD")]
    public void Money_prints_two_minor_digits(long minor, string expected) =>
        Assert.Equal(expected, new Money(minor, Currency.Usd).ToString());

    [Theory]
    [InlineData("USD", true)]
    [InlineData("usd", false)]
    [InlineData("XYZ", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_supported_upper_case_currency_codes_parse(string? code, bool ok) =>
        Assert.Equal(ok, Currency.TryParse(code, out _));
}
