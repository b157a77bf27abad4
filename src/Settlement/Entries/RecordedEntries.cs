namespace ContestPipeline.Settlement.Entries;

/// <summary>Entries as Settlement recorded them (or as a run books them), by entry and by payment.</summary>
public sealed class RecordedEntries
{
    public Dictionary<string, BookedEntry> ByEntry { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, BookedEntry> ByPayment { get; } = new(StringComparer.Ordinal);

    public void Add(BookedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ByEntry[entry.EntryId] = entry;
        ByPayment[entry.PaymentIntentId] = entry;
    }
}
