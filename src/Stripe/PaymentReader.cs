using PaymentIntent = Stripe.PaymentIntent;
using PaymentIntentGetOptions = Stripe.PaymentIntentGetOptions;
using PaymentIntentListOptions = Stripe.PaymentIntentListOptions;
using DateRangeOptions = Stripe.DateRangeOptions;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Stripe;

/// <summary>
/// Reads of PaymentIntents (Ingestion's and Payout's), each with its latest charge expanded (a refund or dispute of it
/// is seen in the same read): a list by creation time, up to 100 an answer, or a GET of one. Only what these answer
/// counts as a payment's facts; an event only says which to read. A reader made <see cref="WithFees"/> expands the
/// charge's balance transaction too (Stripe's fee on it), which needs a key that reads the balance.
/// </summary>
public sealed class PaymentReader(StripeApi stripe, ILogger<PaymentReader> logger)
{
    /// <summary>Whether each charge's balance transaction is expanded (its fee and net).</summary>
    public bool WithFees { get; init; }

    private List<string> Expand(string prefix) =>
        WithFees ? [prefix + "latest_charge.balance_transaction"] : [prefix + "latest_charge"];

    /// <summary>Stripe's answer about one PaymentIntent; one with an <see cref="Error"/> tells nothing.</summary>
    public sealed record Answer(string PaymentIntentId, PaymentIntent? Intent, bool NotFound, string? Error);

    /// <summary>What a list read: every intent its pages held, and whether it read its whole window.</summary>
    public sealed record Listing(IReadOnlyDictionary<string, PaymentIntent> Intents, bool Complete, string? Error);

    /// <summary>
    /// Reads many at once: those of <paramref name="wanted"/> with a creation time by one listing of their window,
    /// widened <paramref name="lookBack"/> before the earliest when a time is only one the intent was made before
    /// (a submission's), at most a page per ten of them (<see cref="PagesFor"/>); the intents it showed (any it
    /// showed, asked about or not), and the ids it did not show, each once, for a GET each.
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, PaymentIntent> Listed, List<string> Unlisted)> ListWantedAsync(
        IReadOnlyList<(string PaymentIntentId, DateTimeOffset? Created)> wanted, TimeSpan lookBack,
        CancellationToken ct)
    {
        var dated = wanted.Where(w => w.Created is not null).ToList();
        IReadOnlyDictionary<string, PaymentIntent> listed = new Dictionary<string, PaymentIntent>();
        if (dated.Count > 0)
        {
            var ids = dated.Select(w => w.PaymentIntentId).ToHashSet(StringComparer.Ordinal);
            listed = (await ListAsync(dated.Min(w => w.Created!.Value) - lookBack, dated.Max(w => w.Created!.Value),
                ids, PagesFor(ids.Count), ct)).Intents;
        }
        return (listed, [.. wanted.Select(w => w.PaymentIntentId).Where(id => !listed.ContainsKey(id))
            .Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The most pages a list for <paramref name="wanted"/> intents reads: one per ten, so a list that finds none of
    /// them costs a tenth of the GETs it was to save.
    /// </summary>
    public static int PagesFor(int wanted) => (wanted + 9) / 10;

    /// <summary>When Stripe says the intent was made (UTC), or null where the body did not say.</summary>
    public static DateTimeOffset? CreatedAt(PaymentIntent intent) => intent.Created == default ? null
        : new DateTimeOffset(DateTime.SpecifyKind(intent.Created, DateTimeKind.Utc));

    /// <summary>
    /// Every PaymentIntent made from <paramref name="from"/> to <paramref name="to"/> (whole seconds, as Stripe keeps
    /// them), newest first, page after page until the window is read, <paramref name="wanted"/> have all been seen,
    /// or <paramref name="pagesMax"/> pages were read. A page Stripe does not answer ends the listing there.
    /// </summary>
    public async Task<Listing> ListAsync(DateTimeOffset from, DateTimeOffset to, IReadOnlySet<string> wanted,
        int pagesMax, CancellationToken ct)
    {
        var intents = new Dictionary<string, PaymentIntent>(StringComparer.Ordinal);
        var unseen = new HashSet<string>(wanted, StringComparer.Ordinal);
        string? after = null;
        var range = new DateRangeOptions
        {
            GreaterThanOrEqual = DateTimeOffset.FromUnixTimeSeconds(from.ToUnixTimeSeconds()).UtcDateTime,
            LessThanOrEqual = DateTimeOffset.FromUnixTimeSeconds(to.ToUnixTimeSeconds()).UtcDateTime,
        };
        for (var page = 0; page < pagesMax; page++)
        {
            global::Stripe.StripeList<PaymentIntent> list;
            try
            {
                list = await stripe.ReadAsync("GET /v1/payment_intents", (s, o, t) => s.V1.PaymentIntents.ListAsync(
                    new PaymentIntentListOptions
                    {
                        Created = range, Limit = StripeApi.ListLimitMax, StartingAfter = after,
                        Expand = Expand("data."),
                    }, o, t), ct);
            }
            catch (StripeFailure e)
            {
                logger.LogWarning("PaymentIntents made {From:o} to {To:o} could not be listed; what the list did not "
                    + "cover is read one at a time: {Error}", from, to, e.Message);
                return new Listing(intents, false, e.Message);
            }
            foreach (var intent in list.Data)
            {
                intents[intent.Id] = intent;
                unseen.Remove(intent.Id);
            }
            if (!list.HasMore || list.Data.Count == 0) return new Listing(intents, true, null);
            if (unseen.Count == 0) return new Listing(intents, false, null);
            after = list.Data[^1].Id;
        }
        return new Listing(intents, false, null);
    }

    /// <summary>Stripe's answer about one PaymentIntent (GET), found, not found, or not answered.</summary>
    public async Task<Answer> GetAsync(string paymentIntentId, CancellationToken ct)
    {
        try
        {
            var intent = await stripe.ReadAsync("GET /v1/payment_intents/{id}",
                (s, o, t) => s.V1.PaymentIntents.GetAsync(
                    paymentIntentId, new PaymentIntentGetOptions { Expand = Expand("") }, o, t), ct);
            // An answer about another object is not an answer about this one.
            return intent.Id == paymentIntentId ? new Answer(paymentIntentId, intent, false, null)
                : new Answer(paymentIntentId, null, false, $"Stripe answered with PaymentIntent {intent.Id}");
        }
        catch (StripeFailure e) when (e.HttpStatus == 404)
        {
            return new Answer(paymentIntentId, null, true, null);
        }
        // StripeApi reports every failure to get an answer (none, 5xx, 429, unreadable) as a StripeFailure.
        catch (StripeFailure e)
        {
            logger.LogWarning(
                "PaymentIntent {PaymentIntentId} could not be read from Stripe; asked again later: {Error}",
                paymentIntentId, e.Message);
            return new Answer(paymentIntentId, null, false, e.Message);
        }
    }

    /// <summary>GETs of several PaymentIntents, at most <paramref name="concurrency"/> at once.</summary>
    public async Task<IReadOnlyList<Answer>> GetAllAsync(IEnumerable<string> paymentIntentIds, int concurrency,
        CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(concurrency);
        return await Task.WhenAll(paymentIntentIds.Distinct(StringComparer.Ordinal).Select(async pi =>
        {
            await slots.WaitAsync(ct);
            try
            {
                return await GetAsync(pi, ct);
            }
            finally
            {
                slots.Release();
            }
        }));
    }
}
