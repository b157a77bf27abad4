using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Ledger;

namespace ContestPipeline.Settlement.Ledger;

/// <summary>
/// Books Stripe's processing fees on payments, as Payout's reads of the payments found them: each fee once, by its
/// balance transaction, to <see cref="Accounts.PaymentFees"/> out of the Stripe balance, labelled with the payment's
/// contest. Stripe paid the platform each payment less its fee, so the ledger's Stripe balance then moves as
/// Stripe's did, and the check against Stripe (<see cref="CheckStripeBalanceJob"/>) reports none of it as drift. A
/// message that could not be fees (a fee of zero or less, a balance transaction named twice, no currency the ledger
/// keeps) is a dead letter, nothing of it booked; one naming fees Stripe did not take shows as drift at that check.
/// </summary>
public sealed class PaymentFeesChargedHandler : MessageHandler<PaymentFeesCharged>
{
    public override async Task HandleAsync(PaymentFeesCharged message, HandlerContext context, CancellationToken ct)
    {
        var subject = $"{PaymentFeesCharged.MessageType} of {message.Fees.Count} fees";
        var entries = Entries(subject, message.Fees);
        foreach (var entry in entries) await JournalStore.PostAsync(context, entry);
    }

    /// <summary>One journal entry per fee, every fee checked before any is booked.</summary>
    private static List<JournalEntry> Entries(string subject, IReadOnlyList<PaymentFee> fees)
    {
        if (fees.Count is 0 or > PaymentFeesCharged.FeesMax)
            throw new MessageRejectedException(
                $"{subject}: a message lists 1 to {PaymentFeesCharged.FeesMax:N0} fees");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<JournalEntry>(fees.Count);
        foreach (var f in fees)
        {
            var problem = string.IsNullOrWhiteSpace(f.BalanceTransactionId) || !seen.Add(f.BalanceTransactionId)
                ? $"balance transaction '{f.BalanceTransactionId}' is missing or named twice"
                : string.IsNullOrWhiteSpace(f.PaymentIntentId) ? "paymentIntentId is missing"
                : f.FeeMinor <= 0 ? $"feeMinor {f.FeeMinor} is no fee"
                : !Currency.TryParse(f.Currency, out _) ? $"currency '{f.Currency}' is not one the ledger keeps"
                : null;
            if (problem is not null)
                throw new MessageRejectedException($"{subject}: the fee of payment {f.PaymentIntentId}: {problem}");
            var fee = new Money(f.FeeMinor, Currency.Parse(f.Currency));
            entries.Add(new JournalEntry(IdFor(f.BalanceTransactionId), f.ContestId, Kind,
                $"Stripe's fee of {fee} on payment {f.PaymentIntentId} (balance transaction {f.BalanceTransactionId})",
                [Posting.Debit(Accounts.PaymentFees, fee), Posting.Credit(Accounts.StripeBalance, fee)]));
        }
        return entries;
    }

    /// <summary>The journal entry of a payment's fee: one per balance transaction.</summary>
    public static string IdFor(string balanceTransactionId) => $"payment_fee:{balanceTransactionId}";

    public const string Kind = "payment_fee";
}
