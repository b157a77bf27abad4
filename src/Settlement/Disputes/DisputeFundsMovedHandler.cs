using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Disputes;

/// <summary>
/// Books what a dispute moved on the platform's Stripe balance, from Stripe's own list of its balance transactions as
/// Payout read it: each transaction once, by its id (what was withdrawn or reinstated to
/// <see cref="Accounts.DisputedFunds"/>, Stripe's fee to <see cref="Accounts.DisputeFees"/>), and, when the dispute
/// closes otherwise than won, what it still holds as a loss, once. So the ledger's Stripe balance moves as Stripe's
/// did, and the hourly check against Stripe (<see cref="CheckStripeBalanceJob"/>) reports none of it as drift. A
/// message whose transactions could not be a dispute's (a withdrawal that adds money, more reinstated than withdrawn)
/// is a dead letter; one that names amounts Stripe did not move shows as drift at that check, which reads Stripe.
/// </summary>
public sealed class DisputeFundsMovedHandler : MessageHandler<DisputeFundsMoved>
{
    public override async Task HandleAsync(DisputeFundsMoved dispute, HandlerContext context, CancellationToken ct)
    {
        var subject = $"{DisputeFundsMoved.MessageType} of dispute {dispute.DisputeId}";
        if (!Currency.TryParse(dispute.Currency, out var currency))
            throw new MessageRejectedException($"{subject}: currency '{dispute.Currency}' is not one the ledger keeps");
        Check(subject, dispute.Transactions);
        var of = $"dispute {dispute.DisputeId} of payment {dispute.PaymentIntentId}";
        foreach (var t in dispute.Transactions)
        {
            var withdrawn = new Money(checked(-t.AmountMinor), currency);   // negative for a reinstatement
            var fee = new Money(t.FeeMinor, currency);
            var (kind, what) = t.AmountMinor < 0
                ? (DisputeJournal.WithdrawalKind, $"withdrew {withdrawn}")
                : (DisputeJournal.ReinstatementKind, $"reinstated {new Money(t.AmountMinor, currency)}");
            await JournalStore.PostAsync(context, new JournalEntry(DisputeJournal.FundsId(dispute.DisputeId, t.Id),
                null, kind, $"{of} {what}, fee {fee} (balance transaction {t.Id})",
                [new Posting(Accounts.DisputedFunds, withdrawn), new Posting(Accounts.DisputeFees, fee),
                    new Posting(Accounts.StripeBalance, new Money(checked(t.AmountMinor - t.FeeMinor), currency))]));
        }
        if (!DisputeFundsMoved.ClosedAgainst(dispute.Status)) return;
        var held = new Money(-dispute.Transactions.Sum(t => t.AmountMinor), currency);
        if (held.MinorUnits == 0) return;
        await JournalStore.PostAsync(context, new JournalEntry(DisputeJournal.LostId(dispute.DisputeId), null,
            DisputeJournal.LostKind, $"{of} closed {dispute.Status}: the {held} it withdrew is lost",
            [Posting.Debit(Accounts.DisputeLosses, held), Posting.Credit(Accounts.DisputedFunds, held)]));
    }

    /// <summary>
    /// What a dispute's balance transactions can be: each with an id, once; a withdrawal (negative amount) with a fee
    /// taken (zero or more), a reinstatement (positive amount) with a fee given back (zero or less); never more
    /// reinstated than withdrawn.
    /// </summary>
    private static void Check(string subject, IReadOnlyList<DisputeFundsTransaction> transactions)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long withdrawn = 0, reinstated = 0;
        foreach (var t in transactions)
        {
            if (string.IsNullOrWhiteSpace(t.Id) || !seen.Add(t.Id))
                throw new MessageRejectedException($"{subject}: a transaction id is missing or repeated ('{t.Id}')");
            var problem = t.AmountMinor switch
            {
                0 => "amountMinor 0 moves nothing",
                < 0 when t.FeeMinor < 0 => $"a withdrawal that gives a fee back (feeMinor {t.FeeMinor})",
                > 0 when t.FeeMinor > 0 => $"a reinstatement that takes a fee (feeMinor {t.FeeMinor})",
                _ => null,
            };
            if (problem is not null) throw new MessageRejectedException($"{subject}: transaction {t.Id}: {problem}");
            if (t.AmountMinor < 0) withdrawn = checked(withdrawn - t.AmountMinor);
            else reinstated = checked(reinstated + t.AmountMinor);
        }
        if (reinstated > withdrawn)
            throw new MessageRejectedException($"{subject}: {reinstated} reinstated of {withdrawn} withdrawn");
    }
}
