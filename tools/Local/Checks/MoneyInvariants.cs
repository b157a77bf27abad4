using System.Text.Json;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.StripeEmulation;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Checks;

/// <summary>
/// Invariants 1–3 of the design, and the ledger's Stripe balance, read against Stripe's own
/// records (the emulator's ledger) and the pipeline's database: what the demo and the fault
/// campaign both check. Each returns counts; the caller decides how to report them.
/// </summary>
public static class MoneyInvariants
{
    /// <summary>Invariant 1: every prize Settlement ordered was transferred once, for its amount, and nothing else
    /// was.</summary>
    public sealed record TransferCheck(int Ordered, int Made, int Duplicates, int Missing, int Stray)
    {
        public bool Holds => Duplicates == 0 && Missing == 0 && Stray == 0;
    }

    /// <summary>Invariant 2: every refund Payout was ordered was made, and no payment was refunded twice.</summary>
    public sealed record RefundCheck(int Ordered, int Made, int Duplicates, int Missing)
    {
        public bool Holds => Duplicates == 0 && Missing == 0;
    }

    /// <summary>Invariant 3, one settled contest: transfers + platform fees + rake (+ house take) = entry fees kept
    /// (+ overlay).</summary>
    public sealed record PoolCheck(string ContestId, long Transferred, long Accounted, long EntryFeesKept)
    {
        public bool Holds => Accounted == EntryFeesKept;
    }

    public static async Task<TransferCheck> TransfersAsync(NpgsqlConnection conn,
        IReadOnlyList<RecordedTransfer> transfers)
    {
        var ordered = (await conn.QueryAsync<(string PayoutId, long Net)>(
            "SELECT payout_id, net_minor FROM settlement.payouts WHERE net_minor > 0")).ToList();
        var orderedIds = ordered.Select(o => o.PayoutId).ToHashSet(StringComparer.Ordinal);
        var byPayout = transfers.GroupBy(t => t.Metadata.GetValueOrDefault("payout_id") ?? "")
            .ToDictionary(g => g.Key, g => g.ToList());
        return new TransferCheck(
            ordered.Count,
            Made: byPayout.Keys.Count(orderedIds.Contains),
            Duplicates: byPayout.Values.Sum(t => t.Count - 1),
            Missing: ordered.Count(o => !byPayout.TryGetValue(o.PayoutId, out var t) || t[0].Amount != o.Net),
            Stray: byPayout.Keys.Count(k => !orderedIds.Contains(k)));
    }

    public static async Task<RefundCheck> RefundsAsync(NpgsqlConnection conn, IReadOnlyList<RecordedRefund> refunds)
    {
        var orders = (await conn.QueryAsync<string>("SELECT payment_intent_id FROM payout.refunds")).ToList();
        return new RefundCheck(
            orders.Count,
            refunds.Count,
            Duplicates: refunds.GroupBy(r => r.PaymentIntent).Sum(g => g.Count() - 1),
            Missing: orders.Count(pi => refunds.All(r => r.PaymentIntent != pi)));
    }

    /// <summary>Invariant 3 for every contest with a ContestSettled on the timeline.</summary>
    public static IReadOnlyList<PoolCheck> Pools(IEnumerable<OutsideWorld.Published> timeline,
        IReadOnlyList<RecordedTransfer> transfers) =>
        [.. timeline.Where(m => m.Type == ContestSettled.MessageType).GroupBy(m => m.Key)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var b = g.First().Body;
            var transferred = transfers.Where(t => t.TransferGroup == g.Key).Sum(t => t.Amount);
            return new PoolCheck(g.Key, transferred,
                transferred + Minor(b, "platformFeesMinor") + Minor(b, "rakeMinor") + Minor(b, "houseTakeMinor"),
                Minor(b, "entryFeesMinor") + Minor(b, "overlayMinor"));
        })];

    /// <summary>The ledger's Stripe balance account, and Stripe's platform balance (available + pending).</summary>
    public static async Task<(long Ledger, long Stripe)> StripeBalanceAsync(NpgsqlConnection conn,
        StripeEmulator stripe, string currency)
    {
        var ledger = await conn.ExecuteScalarAsync<long>(
            "SELECT coalesce(sum(amount_minor), 0) FROM settlement.postings WHERE account = 'platform:stripe_balance'");
        var balance = stripe.PlatformBalance(currency);
        return (ledger, balance.Available + balance.Pending);
    }

    private static long Minor(JsonElement body, string field) => body.GetProperty(field).GetInt64();
}
