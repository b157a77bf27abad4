using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Ingestion.Jobs;

/// <summary>
/// Decides recorded submissions whose payment is known (Stripe's events, or a GET's answer), a
/// contest at a time under its row lock, by <see cref="EntryChecks"/> in its fixed precedence
/// and in the order the submissions were made. Time is judged by when each was made (and when
/// its record reached the broker), never by when this job got to it: a submission made on time
/// is decided on its merits however late this is. Each decision is published
/// as the submission's own consequence (causation: the EntrySubmitted), a rejection with its
/// reason, and a refund ordered exactly once where the payment was verified.
/// </summary>
public sealed class DecideEntriesJob(IngestionOptions options) : IJob
{
    public const int ContestsPerRunMax = 10;

    public string Name => "decide-entries";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var contests = await SubmissionStore.ContestsWithDecidableAsync(context, ContestsPerRunMax);
        var full = false;
        foreach (var contestId in contests)
            full |= await DecideAsync(context, contestId) >= options.DecideBatchSize;
        return full || contests.Count >= ContestsPerRunMax;
    }, ct);

    /// <summary>Decides what can be decided of one contest's undecided submissions; returns how many were looked at.</summary>
    public async Task<int> DecideAsync(TransactionContext context, string contestId)
    {
        var contest = await IngestionStore.ContestForUpdateAsync(context, contestId);
        var pending = await SubmissionStore.DecidableAsync(context, contestId, options.DecideBatchSize);
        if (pending.Count == 0) return 0;
        var definition = contest?.Parse();
        var uses = await SubmissionStore.PriorUsesAsync(context, [.. pending.Select(p => p.PaymentIntentId)]);
        var playerCounts = contest is null ? [] : await SubmissionStore.PlayerEntryCountsAsync(context, contestId, [.. pending.Select(p => p.PlayerId)]);
        var games = definition is null ? new Dictionary<string, GameInfo>() : await IngestionStore.KnownGamesAsync(context, definition.GameIds);
        var contestCount = contest?.EntryCount ?? 0;
        var status = contest?.State;
        var now = context.Clock.GetUtcNow();
        var d = new SubmissionStore.Decisions();

        foreach (var p in pending)
        {
            uses.TryGetValue(p.PaymentIntentId, out var prior);
            if (prior is null && !p.PaymentReady) continue;
            var submission = p.Submission;
            var payment = prior is null ? p.Payment() : null;
            var playerEntries = playerCounts.GetValueOrDefault(p.PlayerId);
            var decision = EntryChecks.Check(submission, payment,
                new EntryContext(definition, status == EntriesState.Cancelled, status == EntriesState.Closed, games,
                    playerEntries, contestCount, prior, contest?.ClosesEarlyAt),
                p.SubmittedAt, p.BrokerAt, options.LockSkew);
            d.Decided.Add((p.SubmissionId, decision.Outcome.ToString()));
            var cause = Cause.Recorded(p.CorrelationId, p.MessageId);
            if (decision.Outcome == EntryOutcome.AlreadyEntered) continue;
            if (decision.Accepted)
            {
                var entry = new EntryAccepted(EntrySubmitted.EntryIdFor(p.PaymentIntentId), contestId, p.PlayerId, p.PaymentIntentId,
                    payment!.AmountReceived, definition!.Currency, p.Lineup, now);
                d.Entries.Add(entry);
                uses[p.PaymentIntentId] = new PaymentUse(contestId, p.PlayerId, p.Lineup, Refunded: false);
                playerCounts[p.PlayerId] = playerEntries + 1;
                contestCount++;
                context.Publish(cause, Topics.ContestLifecycle, contestId, EntryAccepted.MessageIdFor(entry.EntryId), entry);
                continue;
            }
            Reject(context, d, uses, cause, submission, decision);
        }
        await SubmissionStore.SaveAsync(context, contestId, d, contest is not null);
        return pending.Count;
    }

    /// <summary>Records a rejection (and its refund, once per PaymentIntent) and publishes both.</summary>
    private static void Reject(TransactionContext context, SubmissionStore.Decisions d, Dictionary<string, PaymentUse> uses, Cause cause,
        EntrySubmitted s, EntryDecision decision)
    {
        string? refundId = null;
        if (decision.Refund is { } refund && !uses.ContainsKey(s.PaymentIntentId))
        {
            d.Refunds.Add(refund);
            uses[s.PaymentIntentId] = new PaymentUse(s.ContestId, s.PlayerId, null, Refunded: true);
            context.Publish(cause, Topics.PayoutsDue, s.ContestId, refund.RefundId, refund);
            refundId = refund.RefundId;
        }
        else if (decision.Refund is not null)
        {
            refundId = decision.Refund.RefundId;
        }
        d.Rejections.Add((s, decision.Reason, refundId));
        context.Publish(cause, Topics.ContestLifecycle, s.ContestId, EntryRejected.MessageIdFor(s.SubmissionId),
            new EntryRejected(s.SubmissionId, s.ContestId, s.PlayerId, s.PaymentIntentId, decision.Reason, refundId));
    }
}
