using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Stripe;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// Answers the lookups Stripe's events asked for (<see cref="PaymentLookupStore"/>) from Stripe itself: a payment
/// counts only from Stripe's own answer, never from an event's body. Claimed in one transaction, read outside any
/// (within the Stripe client's rate budget), recorded in another. The claimed lookups are read together, by listing
/// every PaymentIntent made between the first and the last of them (<see cref="PaymentReader.ListAsync"/>: 100 an
/// answer, so a lock-time rush costs a request per hundred payments, not one each); every intent the list shows is
/// recorded, so a payment whose event has not come yet is known too. A claimed one the list did not show (its event
/// named no time, or a time that is not the intent's, or the list stopped) is read with a GET. What Stripe did not
/// answer stays due and is read again once its claim lapses (<see cref="IngestionOptions.FetchLease"/>).
/// </summary>
public sealed class LookUpPaymentsJob(PaymentReader reader, IngestionOptions options) : IJob
{
    /// <summary>Lookups claimed per round.</summary>
    public const int ClaimSize = 1_000;

    public string Name => "look-up-payments";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
    {
        var claimed = await job.InTransactionAsync(Name + " claim",
            c => PaymentLookupStore.ClaimAsync(c, ClaimSize, options.FetchLease), ct);
        if (claimed.Count == 0) return false;
        var readFrom = job.Clock.GetUtcNow();
        var (listed, unlisted) = await reader.ListWantedAsync(
            [.. claimed.Select(c => (c.PaymentIntentId, c.Created))], TimeSpan.Zero, ct);
        var toGet = unlisted.Take(options.FetchBatchSize).ToList();
        var answers = await reader.GetAllAsync(toGet, options.FetchConcurrency, ct);
        await job.InTransactionAsync(Name + " record", async c =>
        {
            await PaymentStore.RecordReadAsync(c, listed, answers, readFrom);
            await PaymentLookupStore.ReleaseAsync(c, [.. unlisted.Skip(toGet.Count)]);
            return true;
        }, ct);
        return claimed.Count >= ClaimSize || unlisted.Count > toGet.Count;
    }
}
