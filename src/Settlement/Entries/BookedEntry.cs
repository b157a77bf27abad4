using ContestPipeline.Contracts.Lifecycle;

namespace ContestPipeline.Settlement.Entries;

/// <summary>An entry as Settlement books it; the same facts again are the same entry.</summary>
public sealed record BookedEntry(string EntryId, string ContestId, string PlayerId, string PaymentIntentId,
    long AmountMinor, string Currency)
{
    public static BookedEntry Of(EntryAccepted entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.EntryId, entry.ContestId, entry.PlayerId, entry.PaymentIntentId, entry.AmountMinor,
            entry.Currency);
    }
}
