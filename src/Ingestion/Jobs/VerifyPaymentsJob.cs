using PaymentIntent = Stripe.PaymentIntent;
using PaymentIntentGetOptions = Stripe.PaymentIntentGetOptions;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Ingestion.Jobs;

/// <summary>
/// The fallback when Stripe's event has not come: a submission whose payment no event told
/// within <see cref="IntakeOptions.PaymentEventWait"/> is verified with a GET. Never inside a
/// consume transaction: claimed in one transaction, fetched (several at once, each within the
/// Stripe client's rate budget), recorded in another. A claim lapses after
/// <see cref="IntakeOptions.FetchLease"/>, so a fetch that failed (Stripe unreachable, an answer
/// that does not read) is tried again by a later round, and a worker that died lets its claims go.
/// </summary>
public sealed class VerifyPaymentsJob(StripeApi stripe, IntakeOptions options, ILogger<VerifyPaymentsJob> logger) : IJob
{
    public string Name => "verify-payments";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    private sealed record Answer(string PaymentIntentId, PaymentIntent? Intent, bool NotFound);

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var claimed = await job.InTransactionAsync(Name + " claim", c => SubmissionStore.ClaimFetchesAsync(c, options.FetchBatchSize, options.FetchLease), ct);
        if (claimed.Count == 0) return false;
        using var slots = new SemaphoreSlim(options.FetchConcurrency);
        var answers = await Task.WhenAll(claimed.Select(c => c.PaymentIntentId).Distinct(StringComparer.Ordinal).Select(async pi =>
        {
            await slots.WaitAsync(ct);
            try
            {
                return await FetchAsync(pi, ct);
            }
            finally
            {
                slots.Release();
            }
        }));
        var known = answers.OfType<Answer>().ToDictionary(a => a.PaymentIntentId, StringComparer.Ordinal);
        if (known.Count == 0) return claimed.Count >= options.FetchBatchSize;
        await job.InTransactionAsync(Name + " record", async c =>
        {
            var facts = new PaymentFacts();
            foreach (var a in known.Values)
            {
                if (a.NotFound) await SubmissionStore.RecordNotFoundAsync(c, a.PaymentIntentId);
                else facts.Intent(a.Intent!);
            }
            await SubmissionStore.RecordFactsAsync(c, facts, source: "get");
            await SubmissionStore.MarkFetchedAsync(c, [.. claimed.Where(x => known.ContainsKey(x.PaymentIntentId)).Select(x => x.SubmissionId)]);
            return true;
        }, ct);
        return claimed.Count >= options.FetchBatchSize;
    }

    /// <summary>Stripe's answer, or null when there is none to record yet (the claim lapses and a later round asks again).</summary>
    private async Task<Answer?> FetchAsync(string paymentIntentId, CancellationToken ct)
    {
        try
        {
            // With its latest charge expanded, so a refund or dispute of it is seen in the same read.
            var intent = await stripe.ReadAsync("GET /v1/payment_intents/{id}", (s, o, t) => s.V1.PaymentIntents.GetAsync(
                paymentIntentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] }, o, t), ct);
            // An answer about another object is not an answer about this one.
            return intent.Id == paymentIntentId ? new Answer(paymentIntentId, intent, false) : null;
        }
        catch (StripeFailure e) when (e.HttpStatus == 404)
        {
            return new Answer(paymentIntentId, null, true);
        }
        catch (StripeFailure e)
        {
            logger.LogWarning("PaymentIntent {PaymentIntentId} could not be read from Stripe; asking again after the claim lapses: {Error}", paymentIntentId, e.Message);
            return null;
        }
    }
}
