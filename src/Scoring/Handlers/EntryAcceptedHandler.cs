using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Domain;
using ContestPipeline.Scoring.Extensions;
using ContestPipeline.Scoring.Store;

namespace ContestPipeline.Scoring.Handlers;

/// <summary>
/// An accepted entry joins the contest's board. One arriving after entries closed may complete
/// the frozen entry list, so the referee looks at the contest again.
/// </summary>
public sealed class EntryAcceptedHandler(ScoringState boards) : MessageHandler<EntryAccepted>
{
    public override async Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct)
    {
        var contest = await ScoringStore.ContestForEntryAsync(context, entry.ContestId)
            ?? throw new MessageRejectedException($"entry {entry.EntryId} for contest {entry.ContestId}, which the referee has not seen scheduled");
        if (contest.State != ContestState.Scheduled)
        {
            // Ingestion closes entries before the referee locks, through one ordered outbox;
            // an entry after that is a broken promise, told to an operator, not scored.
            context.RaiseAlert(ScoringWorker.Name, AlertSeverities.Critical, "entry_after_lock", entry.EntryId,
                $"entry {entry.EntryId} reached the referee while contest {entry.ContestId} is {ContestLifecycle.Name(contest.State)}; it is not scored",
                entry.EntryId);
            return;
        }
        if (await ScoringStore.InsertEntryAsync(context, entry))
            context.OnCommitted(() => boards.AddEntry(entry.ContestId, entry.EntryId, entry.PlayerId, entry.Lineup));
        // Only an entry arriving after the close can complete the frozen list; reviewing the
        // contest on every entry would make a large contest quadratic.
        if (contest.ClosedCount is not null) await ScoringStore.MarkDueAsync(context, entry.ContestId);
    }
}
