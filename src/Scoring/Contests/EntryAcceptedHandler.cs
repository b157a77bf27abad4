using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// An accepted entry joins the contest's board. One arriving after entries closed may complete
/// the frozen entry list, so the referee looks at the contest again. A run of entries (a lock-time
/// rush is 100,000 of them in a row) is applied in a few statements: their contests locked at
/// once, the entries inserted at once, so the referee holds them all soon after Ingestion decided them.
/// </summary>
public sealed class EntryAcceptedHandler(LiveBoards boards) : BatchMessageHandler<EntryAccepted>
{
    public override Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct) =>
        ApplyAsync([entry], context);

    /// <summary>
    /// An entry for a contest the referee never saw rejects the run; the loop then applies it one at a time.
    /// </summary>
    public override Task HandleBatchAsync(
        IReadOnlyList<IncomingMessage> messages, HandlerContext context, CancellationToken ct) =>
        ApplyAsync([.. messages.Select(m => m.Body<EntryAccepted>())], context);

    private async Task ApplyAsync(IReadOnlyList<EntryAccepted> entries, HandlerContext context)
    {
        var contests = await ContestStore.ContestsForEntriesAsync(context,
            [.. entries.Select(e => e.ContestId).Distinct(StringComparer.Ordinal)]);
        var scheduled = new List<EntryAccepted>(entries.Count);
        foreach (var entry in entries.DistinctBy(e => e.EntryId))
        {
            if (!contests.TryGetValue(entry.ContestId, out var contest))
                throw new MessageRejectedException(
                    $"entry {entry.EntryId} for contest {entry.ContestId}, which the referee has not seen scheduled");
            if (contest.State == ContestState.Scheduled)
            {
                scheduled.Add(entry);
                continue;
            }
            // Ingestion closes entries before the referee locks, through one ordered outbox;
            // an entry after that is a broken promise, told to an operator, not scored.
            context.RaiseAlert(ScoringWorker.Name, AlertSeverities.Critical, "entry_after_lock", entry.EntryId,
                $"entry {entry.EntryId} reached the referee while contest {entry.ContestId} is "
                + $"{ContestLifecycle.Name(contest.State)}; it is not scored", entry.EntryId);
        }
        var inserted = (await ContestStore.InsertEntriesAsync(context, scheduled))
            .ToHashSet(StringComparer.Ordinal);
        var added = scheduled.Where(e => inserted.Contains(e.EntryId)).ToList();
        if (added.Count > 0)
            context.OnCommitted(() =>
            {
                foreach (var e in added) boards.AddEntry(e.ContestId, e.EntryId, e.PlayerId, e.Lineup);
            });
        // Only an entry arriving after the close can complete the frozen list; reviewing the
        // contest on every entry would make a large contest quadratic.
        var closed = scheduled.Select(e => e.ContestId).Distinct(StringComparer.Ordinal)
            .Where(c => contests[c].ClosedCount is not null);
        foreach (var contestId in closed) await ContestStore.MarkDueAsync(context, contestId);
    }
}
