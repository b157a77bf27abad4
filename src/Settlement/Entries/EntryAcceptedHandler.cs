using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.Entries;

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
    public override Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct) =>
        BookAsync([entry], context);

    /// <summary>
    /// A run of entries (most of a contest's arrive in the minutes before its lock), checked in order as one at a
    /// time would check them, and booked in a few statements. A run with anything to refuse throws: the consume loop
    /// then applies it one at a time, and just the refused entry is dead-lettered with its alert.
    /// </summary>
    public override Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct) =>
        BookAsync([.. messages.Select(m => m.Body<EntryAccepted>())], context);

    /// <summary>
    /// Each contest locked once, in id order (it cannot complete or be cancelled between the checks and the
    /// booking), the recorded entries and payments read once, the new entries written in one statement and their
    /// fees' journal entries in two COPYs (only this handler writes them, in the transaction that books the entry).
    /// </summary>
    private static async Task BookAsync(IReadOnlyList<EntryAccepted> entries, HandlerContext context)
    {
        var contests = new Dictionary<string, ContestRow?>(StringComparer.Ordinal);
        foreach (var id in entries.Select(e => e.ContestId).Distinct().Order(StringComparer.Ordinal))
            contests[id] = await ContestStore.ContestAsync(context, id, forUpdate: true);
        var recorded = await EntryStore.EntriesRecordedAsync(context,
            [.. entries.Select(e => e.EntryId)], [.. entries.Select(e => e.PaymentIntentId)]);
        var book = new List<EntryAccepted>();
        foreach (var entry in entries)
        {
            if (Check(entry, contests[entry.ContestId], recorded)) continue;
            recorded.Add(BookedEntry.Of(entry));
            book.Add(entry);
        }
        await EntryStore.InsertEntriesAsync(context, book);
        // A free entry (its contest's fee is 0) brought no money: nothing to book.
        await JournalStore.AppendNewAsync(context, [.. book.Where(e => e.AmountMinor > 0).Select(Fee)]);
    }

    /// <summary>True for the same entry again (a redelivery under another message id: already booked); false for
    /// one to book; a rejection saying why for one to refuse.</summary>
    private static bool Check(EntryAccepted entry, ContestRow? contest, RecordedEntries recorded)
    {
        if (!Currency.TryParse(entry.Currency, out var currency))
            throw new MessageRejectedException($"entry {entry.EntryId}: unsupported currency '{entry.Currency}'");
        if (contest is null) throw Refused(entry, $"contest {entry.ContestId} was never scheduled in Settlement");
        if (recorded.ByEntry.TryGetValue(entry.EntryId, out var was))
        {
            if (was == BookedEntry.Of(entry)) return true;
            throw Refused(entry, $"entry {entry.EntryId} is already recorded with other facts "
                + $"(contest {was.ContestId}, player {was.PlayerId}, payment {was.PaymentIntentId}, "
                + $"{Money.Format(was.AmountMinor, was.Currency)})");
        }
        // One payment pays for one entry: another entry on a booked payment would be a second seat (and
        // a second refund) for one fee.
        if (recorded.ByPayment.TryGetValue(entry.PaymentIntentId, out var paid))
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
        return false;
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
