using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Stripe;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// The fallback when Stripe's event has not come: a submission whose payment Stripe has not answered succeeded
/// within <see cref="IngestionOptions.PaymentEventWait"/> (no event asked, or Stripe's answer to it was not
/// succeeded, or <see cref="LookUpPaymentsJob"/> has not answered what an event asked within a lease) is read from
/// Stripe, whose answer then decides it: up to a thousand a round by one list of the PaymentIntents made before
/// they were submitted (<see cref="PaymentReader.ListWantedAsync"/>; in a lock-time rush events fall behind
/// the submissions, and a GET each spent nine in ten of Ingestion's Stripe requests), and a GET for each the list
/// did not show, <see cref="IngestionOptions.FetchBatchSize"/> a round. Never inside a
/// consume transaction: claimed in one transaction, fetched (several at once, each within the
/// Stripe client's rate budget), recorded in another. A claim lapses after
/// <see cref="IngestionOptions.FetchLease"/>, so a fetch that failed (Stripe unreachable, an answer
/// that does not read) is tried again by a later round, and a worker that died lets its claims go.
/// A lookup Stripe cannot answer decides nothing: its submission waits (and with it the contest's
/// EntriesClosed), and an alert says so, at most once an hour per contest; it is never refused for it.
/// </summary>
public sealed class VerifyPaymentsJob(PaymentReader reader, IngestionOptions options) : IJob
{
    public const string UnansweredAlert = "payment_lookup_unanswered";

    public string Name => "verify-payments";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Every this many rounds, the claim reads every due submission from the first, not from where the round
    /// before stopped (<see cref="PaymentStore.ClaimFetchesAsync"/>): a lapsed claim is looked up again at
    /// most this many rounds after it lapses.
    /// </summary>
    public const int RoundsPerFullRead = 20;

    /// <summary>Submissions claimed per round: read by one list of up to a page per ten.</summary>
    public const int ClaimSize = 1_000;

    /// <summary>
    /// How long before its submission a payment is looked for in the list; one made earlier (a checkout left
    /// open) is read with a GET.
    /// </summary>
    public static readonly TimeSpan ListLookBack = TimeSpan.FromMinutes(1);

    /// <summary>How far behind the clock a round's walk leaves the next one to start.</summary>
    public static readonly TimeSpan CommitMargin = TimeSpan.FromSeconds(1);

    private DateTimeOffset? _readTo;
    private int _roundsSinceFullRead;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var full = _readTo is null || ++_roundsSinceFullRead >= RoundsPerFullRead;
        if (full) _roundsSinceFullRead = 0;
        var from = full ? null : _readTo;
        var claim = await job.InTransactionAsync(Name + " claim",
            c => PaymentStore.ClaimFetchesAsync(c, ClaimSize, options.FetchLease, from, CommitMargin), ct);
        _readTo = claim.ReadTo;
        var claimed = claim.Claimed;
        if (claimed.Count == 0) return false;
        var readFrom = job.Clock.GetUtcNow();
        // Read together first: one list of what was made up to when they were submitted; a GET each for the rest.
        var (listed, unlisted) = await reader.ListWantedAsync(
            [.. claimed.Select(c => (c.PaymentIntentId, (DateTimeOffset?)c.SubmittedAt))], ListLookBack, ct);
        var toGet = unlisted.Take(options.FetchBatchSize).ToHashSet(StringComparer.Ordinal);
        var answers = await reader.GetAllAsync(toGet, options.FetchConcurrency, ct);
        var unanswered = answers.Where(a => a.Error is not null)
            .ToDictionary(a => a.PaymentIntentId, a => a.Error!, StringComparer.Ordinal);
        await job.InTransactionAsync(Name + " record", async c =>
        {
            var read = await PaymentStore.RecordReadAsync(c, listed, answers, readFrom);
            await PaymentStore.MarkFetchedAsync(c,
                [.. claimed.Where(x => read.Contains(x.PaymentIntentId)).Select(x => x.SubmissionId)]);
            await PaymentStore.ReleaseFetchesAsync(c, [.. claimed
                .Where(x => !read.Contains(x.PaymentIntentId) && !toGet.Contains(x.PaymentIntentId))
                .Select(x => x.SubmissionId)]);
            var waiting = claimed.Where(x => unanswered.ContainsKey(x.PaymentIntentId));
            foreach (var contest in waiting.GroupBy(x => x.ContestId))
                AlertUnanswered(c, contest.Key, [.. contest.Select(x => x.PaymentIntentId).Distinct()], unanswered);
            return true;
        }, ct);
        return claimed.Count >= ClaimSize || unlisted.Count > toGet.Count;
    }

    private void AlertUnanswered(TransactionContext context, string contestId, IReadOnlyList<string> paymentIntents,
        IReadOnlyDictionary<string, string> errors)
    {
        var now = context.Clock.GetUtcNow();
        context.Cause = Cause.Clock(Name, contestId);
        context.RaiseAlert(IngestionWorker.Name, AlertSeverities.Warning, UnansweredAlert, "contest " + contestId,
            $"contest {contestId}: Stripe did not answer the lookup of {paymentIntents.Count} PaymentIntent(s) "
            + $"whose event has not come (first {paymentIntents[0]}: {errors[paymentIntents[0]]}); "
            + $"their submissions wait and are looked up again about every {(long)options.FetchLease.TotalSeconds} s, "
            + "and the contest's entries "
            + "stay open for them; none is refused for it",
            $"{contestId}:{now:yyyyMMddHH}");
        context.Cause = null;
    }
}
