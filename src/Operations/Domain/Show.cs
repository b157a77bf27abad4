using ContestPipeline.Contracts;

namespace ContestPipeline.Operations.Domain;

/// <summary>How amounts read in summaries: 12.34 USD; an unknown currency as its minor units and code.</summary>
public static class Show
{
    public static string Amount(long minor, string currency) =>
        Currency.TryParse(currency, out var c) ? new Money(minor, c).ToString() : $"{minor} {currency}";
}
