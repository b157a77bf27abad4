using System.Globalization;

namespace ContestPipeline.Contracts;

/// <summary>An ISO-4217 currency code, upper case, three letters.</summary>
public readonly record struct Currency
{
    public string Code { get; }

    private Currency(string code) => Code = code;

    public static readonly Currency Usd = new("USD");
    public static readonly Currency Eur = new("EUR");
    public static readonly Currency Gbp = new("GBP");

    /// <summary>
    /// Currencies the platform settles in. All have two minor-unit digits; a currency with
    /// another exponent (JPY, KWD) needs its exponent carried before it is added here.
    /// </summary>
    public static IReadOnlySet<string> Supported { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "USD", "EUR", "GBP", "CAD", "AUD",
    };

    public static bool TryParse(string? code, out Currency currency)
    {
        currency = default;
        if (code is null || !Supported.Contains(code)) return false;
        currency = new Currency(code);
        return true;
    }

    public static Currency Parse(string code) =>
        TryParse(code, out var c) ? c : throw new FormatException($"unsupported currency '{code}'");

    public override string ToString() => Code ?? "";
}

/// <summary>
/// Money as integer minor units (cents) with its currency. Arithmetic is checked: an
/// overflow throws instead of wrapping, and mixing currencies throws.
/// </summary>
public readonly record struct Money(long MinorUnits, Currency Currency)
{
    public static Money Zero(Currency currency) => new(0, currency);

    public static Money operator +(Money a, Money b)
    {
        SameCurrency(a, b);
        return new Money(checked(a.MinorUnits + b.MinorUnits), a.Currency);
    }

    public static Money operator -(Money a, Money b)
    {
        SameCurrency(a, b);
        return new Money(checked(a.MinorUnits - b.MinorUnits), a.Currency);
    }

    public bool IsNegative => MinorUnits < 0;

    /// <summary>For logs and reports only, e.g. "12.50 USD"; two minor-unit digits.</summary>
    public override string ToString()
    {
        var sign = MinorUnits < 0 ? "-" : "";
        var abs = MinorUnits < 0 ? (ulong)(-(MinorUnits + 1)) + 1 : (ulong)MinorUnits;
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / 100}.{abs % 100:00} {Currency}");
    }

    /// <summary>
    /// An amount as summaries and pages show it, from a currency code read off a message or a
    /// row: "12.50 USD", or its minor units and code when the code is not one the pipeline knows.
    /// </summary>
    public static string Format(long minorUnits, string? currencyCode) =>
        Currency.TryParse(currencyCode, out var currency) ? new Money(minorUnits, currency).ToString()
            : $"{minorUnits} {currencyCode}";

    private static void SameCurrency(Money a, Money b)
    {
        if (a.Currency != b.Currency)
            throw new InvalidOperationException($"currency mismatch: {a.Currency} and {b.Currency}");
    }
}

/// <summary>A rate in basis points: 10,000 bp = 100%.</summary>
public readonly record struct BasisPoints(int Value)
{
    public const int Whole = 10_000;

    public bool IsValidRate => Value is >= 0 and <= Whole;

    /// <summary>
    /// <paramref name="amount"/> × rate, rounded half-up (away from zero for the half) in
    /// minor units. Computed in 128-bit so no intermediate product overflows.
    /// </summary>
    public long ApplyHalfUp(long amount)
    {
        var product = (Int128)amount * Value;
        var quotient = Int128.DivRem(product, Whole);
        var result = quotient.Quotient;
        if (Int128.Abs(quotient.Remainder) * 2 >= Whole)
            result += Int128.Sign(product);
        return checked((long)result);
    }
}
