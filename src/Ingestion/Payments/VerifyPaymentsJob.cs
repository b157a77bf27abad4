using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Stripe;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// The fallback when Stripe's event has not come: a submission whose payment Stripe has not answered succeeded
/// within <see cref="IngestionOptions.PaymentEventWait"/> (no event asked, or Stripe's answer to it was not
/// succeeded) is verified with a GET, whose answer then decides it. Never inside a
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
            c => PaymentStore.ClaimFetchesAsync(c, options.FetchBatchSize, options.FetchLease, from, CommitMargin),
            ct);
        _readTo = claim.ReadTo;
        var claimed = claim.Claimed;
        if (claimed.Count == 0) return false;
        var readFrom = job.Clock.GetUtcNow();
        var answers = await reader.GetAllAsync(claimed.Select(c => c.PaymentIntentId), options.FetchConcurrency, ct);
        var known = answers.Where(a => a.Error is null).ToDictionary(a => a.PaymentIntentId, StringComparer.Ordinal);
        var unanswered = answers.Where(a => a.Error is not null)
            .ToDictionary(a => a.PaymentIntentId, a => a.Error!, StringComparer.Ordinal);
        await job.InTransactionAsync(Name + " record", async c =>
        {
            var facts = new PaymentFacts();
            foreach (var a in known.Values)
            {
                if (a.NotFound) await PaymentStore.RecordNotFoundAsync(c, a.PaymentIntentId);
                else facts.Intent(a.Intent!);
            }
            await PaymentStore.RecordFactsAsync(c, facts, source: "get");
            await PaymentLookupStore.AnswerAsync(c, known.Keys, readFrom);
            await PaymentStore.MarkFetchedAsync(c,
                [.. claimed.Where(x => known.ContainsKey(x.PaymentIntentId)).Select(x => x.SubmissionId)]);
            var waiting = claimed.Where(x => unanswered.ContainsKey(x.PaymentIntentId));
            foreach (var contest in waiting.GroupBy(x => x.ContestId))
                AlertUnanswered(c, contest.Key, [.. contest.Select(x => x.PaymentIntentId).Distinct()], unanswered);
            return true;
        }, ct);
        return claimed.Count >= options.FetchBatchSize;
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
