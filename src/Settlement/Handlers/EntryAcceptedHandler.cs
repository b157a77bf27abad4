using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// An accepted entry: its fee is in the platform's Stripe balance, held for the contest. Only an
/// OPEN contest takes entries, and only at its fee: entries close at the lock, before LIVE, so a
/// genuine entry cannot arrive once Settlement has the contest COMPLETE, SETTLED, PAID or
/// CANCELLED, and Ingestion accepts no other amount. One that does is late or forged: booked, it
/// would stall a settlement in progress (its fee leaves the contest's accounts open), reopen a
/// settled contest's accounts, or inflate the pool. It is refused with a critical alert and
/// changes nothing; nothing is refunded by itself (its payment is for an operator to look at).
/// So is an entry on a payment that already paid for another entry. The same entry again (a
/// redelivery) changes nothing.
/// </summary>
public sealed class EntryAcceptedHandler : MessageHandler<EntryAccepted>
{
    public override async Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct)
    {
        if (!Currency.TryParse(entry.Currency, out var currency))
            throw new MessageRejectedException($"entry {entry.EntryId}: unsupported currency '{entry.Currency}'");
        // Locked: the contest cannot complete or be cancelled between this check and the booking.
        var contest = await SettlementStore.ContestAsync(context, entry.ContestId, forUpdate: true)
            ?? throw Refused(entry, $"contest {entry.ContestId} was never scheduled in Settlement");
        if (await SettlementStore.EntryAsync(context, entry.EntryId) is { } recorded)
        {
            // The same entry again (a redelivery under another message id) is already booked.
            var same = (entry.ContestId, entry.PlayerId, entry.PaymentIntentId, entry.AmountMinor, entry.Currency);
            if (recorded == same) return;
            throw Refused(entry, $"entry {entry.EntryId} is already recorded with other facts "
                + $"(contest {recorded.ContestId}, player {recorded.PlayerId}, payment {recorded.PaymentIntentId}, "
                + $"{Money.Format(recorded.AmountMinor, recorded.Currency)})");
        }
        // One payment pays for one entry: another entry on a booked payment would be a second seat (and
        // a second refund) for one fee.
        if (await SettlementStore.EntryByPaymentAsync(context, entry.PaymentIntentId) is { } paid)
            throw Refused(entry, $"payment {entry.PaymentIntentId} already paid for entry {paid.EntryId} "
                + $"(contest {paid.ContestId}, player {paid.PlayerId}), not for entry {entry.EntryId}");
        if (contest.State != SettlementState.Open)
            throw Refused(entry,
                $"contest {entry.ContestId} is {SettlementLifecycle.Name(contest.State)} in Settlement "
                + "and takes no entries");
        if (!Currency.TryParse(contest.Definition.Currency, out var contestCurrency) || contestCurrency != currency
            || entry.AmountMinor != contest.Definition.EntryFeeMinor)
            throw Refused(entry,
                $"amount {Money.Format(entry.AmountMinor, entry.Currency)} is not contest {entry.ContestId}'s fee "
                + Money.Format(contest.Definition.EntryFeeMinor, contest.Definition.Currency));

        await SettlementStore.InsertEntryAsync(context, entry);
        var fee = new Money(entry.AmountMinor, currency);
        await Journal.PostAsync(context, new JournalEntry($"fee:{entry.EntryId}",
            entry.ContestId, "entry_fee_collected", $"entry fee of {entry.EntryId} ({entry.PaymentIntentId})",
            [Posting.Debit(Accounts.StripeBalance, fee), Posting.Credit(Accounts.EntryFees(entry.ContestId), fee)]));
    }

    private static MessageRejectedException Refused(EntryAccepted entry, string why) => new(
        $"entry {entry.EntryId} of player {entry.PlayerId} (payment {entry.PaymentIntentId}) refused: {why}; "
        + "nothing is booked or refunded",
        AlertSeverities.Critical);
}
