using ContestPipeline.Contracts.Payouts;
using Dispute = Stripe.Dispute;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// A dispute as one answer tells it: Stripe's own when the dispute is read (GET /v1/disputes/{id}), which
/// is what is booked, or an event's body, whose <see cref="Claim"/> is kept with the read request and
/// compared with the read (<see cref="DisagreementWith"/>).
/// </summary>
public sealed record DisputeSeen(string Id, string? PaymentIntentId, string Status, long Amount, string? Reason,
    DateTimeOffset Created)
{
    /// <summary>Its currency, upper case as the pipeline writes it (Stripe writes it lower case).</summary>
    public string Currency { get; init; } = "";

    /// <summary>
    /// What it withdrew from the platform's balance and reinstated: its balance transactions, as Stripe lists them.
    /// </summary>
    public IReadOnlyList<DisputeFundsTransaction> Funds { get; init; } = [];

    /// <summary>Stripe's dates are UTC seconds.</summary>
    public static DisputeSeen Of(Dispute dispute) => new(dispute.Id, dispute.PaymentIntentId, dispute.Status ?? "",
        dispute.Amount, dispute.Reason, new DateTimeOffset(DateTime.SpecifyKind(dispute.Created, DateTimeKind.Utc)))
    {
        Currency = (dispute.Currency ?? "").ToUpperInvariant(),
        Funds = [.. (dispute.BalanceTransactions ?? [])
            .Select(t => new DisputeFundsTransaction(t.Id, t.Amount, t.Fee))],
    };

    public bool Won => Status == DisputeFundsMoved.WonStatus;

    public bool Closed => DisputeFundsMoved.ClosedStatuses.Contains(Status, StringComparer.Ordinal);

    /// <summary>What the answer says of the dispute's outcome and money: status, amount, payment intent.</summary>
    public string Claim => $"{Status}|{Amount}|{PaymentIntentId}";

    /// <summary>
    /// How a body's claim disagrees with this read, or null. A body may be older than the read: a dispute still
    /// open in it that has moved on since (needs_response to under_review, or closed) is not a disagreement.
    /// A body that says the dispute closed otherwise than Stripe says, or names another amount or payment, is.
    /// </summary>
    public string? DisagreementWith(string? claim)
    {
        if (claim?.Split('|') is not [var status, var amount, var paymentIntent]) return null;
        var problems = new List<string>();
        if (DisputeFundsMoved.ClosedStatuses.Contains(status, StringComparer.Ordinal) && status != Status)
            problems.Add($"status {status}, Stripe says {Status}");
        if (amount != Amount.ToString(System.Globalization.CultureInfo.InvariantCulture))
            problems.Add($"amount {amount}, Stripe says {Amount}");
        if (paymentIntent != (PaymentIntentId ?? ""))
            problems.Add($"payment intent {Or(paymentIntent)}, Stripe says {Or(PaymentIntentId)}");
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string Or(string? value) => string.IsNullOrEmpty(value) ? "none" : value;
}
