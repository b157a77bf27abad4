namespace ContestPipeline.Operations.Queries.Players;

/// <summary>A recipient's prizes paid in a tax year, in one currency.</summary>
public sealed record TaxRow(string PlayerId, string Currency, long PaidMinor, long FeesMinor, int Payouts);
