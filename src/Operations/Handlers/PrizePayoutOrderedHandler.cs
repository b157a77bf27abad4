using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Operations.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Operations.Handlers;

/// <summary>A prize (or make-good) ordered for a winning entry; the winner is told.</summary>
public sealed class PrizePayoutOrderedHandler : MessageHandler<PrizePayoutOrdered>
{
    public override async Task HandleAsync(PrizePayoutOrdered o, HandlerContext context, CancellationToken ct)
    {
        var kind = o.PayoutId.StartsWith("makegood_", StringComparison.Ordinal) ? "make_good" : "prize";
        var inserted = await ReadModelStore.ExecuteAsync(context, """
            INSERT INTO operations.payouts (payout_id, contest_id, entry_id, player_id, kind, rank, gross_minor, fee_minor, net_minor, currency, ordered_at, state, reason)
            VALUES (@PayoutId, @ContestId, @EntryId, @PlayerId, @kind, @Rank, @GrossMinor, @FeeMinor, @NetMinor, @Currency, @at, 'ordered', 'ordered')
            ON CONFLICT (payout_id) DO UPDATE SET entry_id = excluded.entry_id, kind = excluded.kind, rank = excluded.rank, gross_minor = excluded.gross_minor,
                fee_minor = excluded.fee_minor, ordered_at = excluded.ordered_at
            WHERE payouts.entry_id = ''
            """, new { o.PayoutId, o.ContestId, o.EntryId, o.PlayerId, kind, o.Rank, o.GrossMinor, o.FeeMinor, o.NetMinor, o.Currency, at = ReadModelStore.At(context) });
        await ReadModelStore.HistoryAsync(context, o.PayoutId, o.ContestId, "ordered",
            $"rank {o.Rank} {(kind == "prize" ? "prize" : "make-good")}: gross {Money.Format(o.GrossMinor, o.Currency)}, fee {Money.Format(o.FeeMinor, o.Currency)}, net {Money.Format(o.NetMinor, o.Currency)}",
            amountMinor: o.NetMinor, currency: o.Currency);
        if (inserted == 1 && o.NetMinor > 0)
            ReadModelStore.NotifyPlayer(context, o.PlayerId, "prize_won", $"You won {Money.Format(o.NetMinor, o.Currency)} in {o.ContestId}",
                $"Rank {o.Rank}: {Money.Format(o.GrossMinor, o.Currency)}, less a platform fee of {Money.Format(o.FeeMinor, o.Currency)}, is on its way.");
    }
}
