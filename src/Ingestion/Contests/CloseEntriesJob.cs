using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Stops taking entries for contests whose lock time has come. The EntriesClosed message
/// follows every EntryAccepted of the contest through the same outbox, so the referee that
/// sees it has seen them all. A covered game starting first closes entries too (FeedHandler).
/// </summary>
public sealed class CloseEntriesJob : IPeriodicJob
{
    public const int ContestsPerRunMax = 100;

    public string Name => "close-entries";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public async Task RunAsync(HandlerContext context, CancellationToken ct)
    {
        var due = await context.Connection.QueryAsync<string>("""
            SELECT contest_id FROM ingestion.contests WHERE status = 'open' AND lock_at <= @now
            ORDER BY lock_at, contest_id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { now = context.Clock.GetUtcNow(), limit = ContestsPerRunMax }, context.Transaction);
        foreach (var contestId in due) await CloseAsync(context, contestId);
    }

    /// <summary>Closes an open contest (the caller holds its row lock) and announces the final entry list.</summary>
    public static async Task CloseAsync(HandlerContext context, string contestId)
    {
        var now = context.Clock.GetUtcNow();
        var entryIds = (await context.Connection.QueryAsync<string>(
            "SELECT entry_id FROM ingestion.entries WHERE contest_id = @contestId ORDER BY entry_id COLLATE \"C\"",
            new { contestId }, context.Transaction)).ToList();
        var updated = await context.Connection.ExecuteAsync(
            "UPDATE ingestion.contests SET status = 'closed', closed_at = @now WHERE contest_id = @contestId AND status = 'open'",
            new { contestId, now }, context.Transaction);
        if (updated != 1) return;
        var closed = new EntriesClosed(contestId, entryIds.Count, EntriesHash(entryIds), now);
        var id = EntriesClosed.MessageIdFor(contestId);
        context.Publish(OutgoingMessage.Create(Topics.ContestLifecycle, contestId,
            new Envelope(id, EntriesClosed.MessageType, EntriesClosed.SchemaVersion, contestId, null, now), closed));
    }

    /// <summary>SHA-256 over the entry ids sorted ordinally, one per line.</summary>
    public static string EntriesHash(IEnumerable<string> entryIds) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(entryIds.Order(StringComparer.Ordinal).Select(e => e + "\n")))));
}
