namespace ContestPipeline.Settlement.Entries;

/// <summary>An accepted entry's fee, as Settlement recorded it from <c>EntryAccepted</c>.</summary>
public sealed record EntryFee(string EntryId, long AmountMinor, string PaymentIntentId);
