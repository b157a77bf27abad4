using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Store;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>An accepted entry: its fee is in the platform's Stripe balance, held for the contest.</summary>
public sealed class EntryAcceptedHandler : MessageHandler<EntryAccepted>
{
    public override async Task HandleAsync(EntryAccepted entry, HandlerContext context, CancellationToken ct)
    {
        if (!Currency.TryParse(entry.Currency, out var currency))
            throw new MessageRejectedException($"entry {entry.EntryId}: unsupported currency '{entry.Currency}'");
        if (!await SettlementStore.InsertEntryAsync(context, entry)) return;
        var fee = new Money(entry.AmountMinor, currency);
        await Journal.PostAsync(context, new JournalEntry($"fee:{entry.EntryId}", entry.ContestId, "entry_fee_collected",
            $"entry fee of {entry.EntryId} ({entry.PaymentIntentId})",
            [Posting.Debit(Accounts.StripeBalance, fee), Posting.Credit(Accounts.EntryFees(entry.ContestId), fee)]));
    }
}
