using System.Security.Cryptography;
using ContestPipeline.Contracts.Feed;

namespace ContestPipeline.Rules.Feed;

/// <summary>
/// What every reader of the provider's feed takes from an event before the sequencer sees it:
/// whether its game id can be one, and the hash that tells a re-send from a conflicting one. Ingestion and
/// <c>cpctl contracts check</c> both read the feed so.
/// </summary>
public static class FeedEvents
{
    /// <summary>
    /// Why the event's game id cannot be one (missing, or too long to become a row), checked
    /// before the game is looked up; null when it can.
    /// </summary>
    public static string? GameIdProblem(string type, string? gameId, long sequence)
    {
        if (string.IsNullOrWhiteSpace(gameId)) return $"{type} at sequence {Show.N(sequence)}: gameId is missing";
        if (gameId.Length > IngestionLimits.GameIdLengthMax)
            return $"{type} for game {Show.Quote(gameId)} at sequence {Show.N(sequence)}: gameId is " +
                $"{Show.N(gameId.Length)} characters; at most {Show.N(IngestionLimits.GameIdLengthMax)} are allowed";
        return null;
    }

    /// <summary>The event's content as the sequencer compares it: the SHA-256 of its body's bytes, as sent.</summary>
    public static string ContentHash(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));
}

/// <summary>What becomes of a provider event the sequencer dropped, and the reason a refused one is given.</summary>
public static class FeedDrops
{
    /// <summary>
    /// The sequencer calls an event whose sequence is behind it a duplicate; it keeps no
    /// content of what it let through. Against the content hash of the event released under
    /// that sequence, a different one is a conflict (dead-lettered and alerted, the first
    /// kept), not a re-send to drop quietly. Null when <paramref name="duplicate"/> stays one.
    /// </summary>
    public static FeedDrop? ConflictWithReleased(FeedDrop duplicate, string? releasedHash)
    {
        ArgumentNullException.ThrowIfNull(duplicate);
        if (duplicate.Reason != FeedDropReason.Duplicate || releasedHash is null
            || releasedHash == duplicate.Item.ContentHash) return null;
        return duplicate with
        {
            Reason = FeedDropReason.Conflict,
            Detail = $"sequence {Show.N(duplicate.Item.Sequence)} (hash {duplicate.Item.ContentHash}) differs from " +
                $"the event already taken under it (hash {releasedHash}); the first received is kept: send the " +
                "intended value as a new event with a new sequence",
        };
    }

    /// <summary>A refused event's reason: what, which game, which sequence, then why.</summary>
    public static string Reason(string type, string gameId, long sequence, FeedDrop drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        return $"{type} for game {Show.Name(gameId)} at sequence {Show.N(sequence)}: {drop.Detail}";
    }
}
