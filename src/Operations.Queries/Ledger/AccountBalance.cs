namespace ContestPipeline.Operations.Queries.Ledger;

/// <summary>A balance in minor units of <see cref="Currency"/>: debits positive, credits negative.</summary>
public sealed record AccountBalance(string Account, string Currency, long BalanceMinor);
