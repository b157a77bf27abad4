using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules;

namespace ContestPipeline.Ingestion.Jobs;

/// <summary>
/// Closes entries for contests whose lock time has come, announcing each final entry list
/// (EntriesClosed) only once every on-time submission is decided: after lockAt + the allowed
/// skew (a record may reach the broker that late and still count), once the entries consumer
/// has read every record on the broker (so none is still unread), and when no submission made
/// before lockAt is undecided. At lockAt + <see cref="IntakeOptions.UndecidedBound"/> it closes
/// anyway: a submission still undecided is rejected with its reason (and refunded where its
/// payment was verified). A covered game starting first closes entries too (the feed, FeedStore).
/// </summary>
public sealed class CloseEntriesJob(IntakeOptions options, Func<CancellationToken, Task<bool>>? entriesReadToEnd = null) : IJob
{
    public const int ContestsPerRunMax = 100;

    public string Name => "close-entries";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var due = await job.InTransactionAsync(Name + " due", c => IngestionStore.ContestsDueToCloseAsync(c, ContestsPerRunMax, options.LockSkew, locked: false), ct);
        if (due.Count == 0) return false;
        // Asked after lockAt + skew: a record read to the end by then is recorded as a submission.
        var readToEnd = entriesReadToEnd is null || await entriesReadToEnd(ct);
        return await job.InTransactionAsync(Name, async context =>
        {
            var now = context.Clock.GetUtcNow();
            var closed = 0;
            foreach (var (contestId, lockAtUtc) in await IngestionStore.ContestsDueToCloseAsync(context, ContestsPerRunMax, options.LockSkew, locked: true))
            {
                var lockAt = new DateTimeOffset(DateTime.SpecifyKind(lockAtUtc, DateTimeKind.Utc));
                if (now < lockAt + options.UndecidedBound)
                {
                    if (!readToEnd || await SubmissionStore.UndecidedOnTimeAsync(context, contestId, lockAt, options.LockSkew) > 0) continue;
                }
                else
                {
                    await RejectUndecidedAsync(context, contestId, lockAt);
                }
                await IngestionStore.CloseEntriesAsync(context, Cause.Clock(Name, contestId), contestId);
                closed++;
            }
            return closed > 0 && due.Count >= ContestsPerRunMax;
        }, ct);
    }

    /// <summary>At the bound: every submission of the contest not yet decided is rejected with why, refunded if its payment was verified.</summary>
    private async Task RejectUndecidedAsync(TransactionContext context, string contestId, DateTimeOffset lockAt)
    {
        while (true)
        {
            var pending = await SubmissionStore.UndecidedAsync(context, contestId, options.DecideBatchSize);
            if (pending.Count == 0) return;
            var uses = await SubmissionStore.PriorUsesAsync(context, [.. pending.Select(p => p.PaymentIntentId)]);
            var d = new SubmissionStore.Decisions();
            foreach (var p in pending)
            {
                var why = p.Known == true ? $"its PaymentIntent is {Show.Quote(p.Status)}" : "no event from Stripe told its payment and Stripe could not be asked";
                var decision = EntryChecks.Undecided(p.Submission, uses.ContainsKey(p.PaymentIntentId) ? null : p.Payment(),
                    $"submission {p.SubmissionId} to contest {contestId} was not decided by lockAt {Show.Time(lockAt)} + {Show.N((long)options.UndecidedBound.TotalSeconds)} s: {why}");
                d.Decided.Add((p.SubmissionId, decision.Outcome.ToString()));
                DecideEntriesJob.Reject(context, d, uses, Cause.Recorded(p.CorrelationId, p.MessageId), p.Submission, decision);
            }
            await SubmissionStore.SaveAsync(context, contestId, d, contestExists: true);
        }
    }
}
