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
public sealed class EntryAcceptedHandler : BatchMessageHandler<EntryAccepted>
{
    /// <summary>
    /// A run of entries (most of a contest's arrive in the minutes before its lock) checked as one at a time would
    /// check them, and booked in a few statements: each contest locked once, in id order, the recorded entries and
    /// payments read once, the entries written in one statement and their fees' journal entries in two COPYs. A run
    /// with anything to refuse, or an entry given again with other facts, throws: the consume loop applies it one at
    /// a time and the refusal is dead-lettered with its alert as above.
    /// </summary>
    public override async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var entries = messages.Select(m => m.Body<EntryAccepted>()).ToList();
        var contests = new Dictionary<string, ContestRow>(StringComparer.Ordinal);
        foreach (var id in entries.Select(e => e.ContestId).Distinct().Order(StringComparer.Ordinal))
            contests[id] = await SettlementStore.ContestAsync(context, id, forUpdate: true)
                ?? throw new MessageRejectedException($"contest {id} was never scheduled in Settlement");
        var (byEntry, byPayment) = await SettlementStore.EntriesRecordedAsync(context,
            [.. entries.Select(e => e.EntryId)], [.. entries.Select(e => e.PaymentIntentId)]);
        var book = new List<EntryAccepted>();
        foreach (var entry in entries)
        {
            var facts = (entry.ContestId, entry.PlayerId, entry.PaymentIntentId, entry.AmountMinor, entry.Currency);
            if (byEntry.TryGetValue(entry.EntryId, out var recorded))
            {
                if (recorded == facts) continue;   // the same entry again
                throw new MessageRejectedException($"entry {entry.EntryId} is already recorded with other facts");
            }
            if (!byPayment.Add(entry.PaymentIntentId) || !Currency.TryParse(entry.Currency, out var currency)
                || contests[entry.ContestId] is not { State: SettlementState.Open, Definition: var definition }
                || !Currency.TryParse(definition.Currency, out var contestCurrency) || contestCurrency != currency
                || definition.EntryFeeMinor != entry.AmountMinor)
                throw new MessageRejectedException($"entry {entry.EntryId} is one to refuse on its own");
            byEntry[entry.EntryId] = facts;
            book.Add(entry);
        }
        await SettlementStore.InsertEntriesAsync(context, book);
        await Journal.AppendNewAsync(context, [.. book.Select(Fee)]);
    }

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
        await Journal.PostAsync(context, Fee(entry));
    }

    /// <summary>The entry's fee, collected into the platform's Stripe balance and held for its contest.</summary>
    private static JournalEntry Fee(EntryAccepted entry)
    {
        var fee = new Money(entry.AmountMinor, Currency.Parse(entry.Currency));
        return new JournalEntry($"fee:{entry.EntryId}", entry.ContestId, "entry_fee_collected",
            $"entry fee of {entry.EntryId} ({entry.PaymentIntentId})",
            [Posting.Debit(Accounts.StripeBalance, fee), Posting.Credit(Accounts.EntryFees(entry.ContestId), fee)]);
    }

    private static MessageRejectedException Refused(EntryAccepted entry, string why) => new(
        $"entry {entry.EntryId} of player {entry.PlayerId} (payment {entry.PaymentIntentId}) refused: {why}; "
        + "nothing is booked or refunded",
        AlertSeverities.Critical);
}
