namespace ContestPipeline.StripeEmulation;

/// <summary>A list's <c>created</c> filter in Unix seconds: each bound given applies; none, and all is kept.</summary>
internal readonly record struct CreatedRange(long? After, long? From, long? Before, long? Through)
{
    public bool Contains(long created) =>
        (After is null || created > After) && (From is null || created >= From)
        && (Before is null || created < Before) && (Through is null || created <= Through);
}
