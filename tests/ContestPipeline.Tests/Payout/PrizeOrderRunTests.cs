using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using PaymentIntent = Stripe.PaymentIntent;
using ContestPipeline.Payout;
using ContestPipeline.Payout.Authorizations;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A contest's prizes come as a run of orders, recorded in a few statements (<see cref="PrizePayoutOrderedHandler"/>):
/// the handler on Payout's schema in a database of its own. A run it cannot record whole must throw, so the consume
/// loop rolls it back and applies its orders one at a time (whose refusals the payout flow tests read).
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class PrizeOrderRunTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    private static PrizePayoutOrdered Order(string player, long net, int rank, string contest = "c1") =>
        new($"prize_{contest}_{player}", contest, $"entry_{contest}_{player}", player, rank, net, 0, net, "USD");

    private static IncomingMessage Message(PrizePayoutOrdered order, long offset) => new()
    {
        Topic = Topics.PayoutsDue, Partition = 0, Offset = offset,
        RawKey = System.Text.Encoding.UTF8.GetBytes(order.ContestId),
        Value = JsonSerializer.SerializeToUtf8Bytes(order, OutgoingMessage.Json), Headers = [],
        Envelope = new Envelope("m_" + order.PayoutId, PrizePayoutOrdered.MessageType, 1, "settle:" + order.ContestId,
            null, Now),
    };

    [Fact]
    public async Task A_run_of_new_orders_within_the_authorization_is_recorded_at_once_with_each_status_published()
    {
        await using var rig = await Rig.StartAsync(fixture);
        await rig.AuthorizeAsync("c1", payouts: 3, net: 1_000);
        var orders = new[] { Order("ann", 600, 1), Order("ben", 300, 2), Order("cat", 0, 3) };

        var published = await rig.ApplyRunAsync(orders);

        Assert.Equal(["prize_c1_ann|600|waiting|rank 1 prize ordered|m_prize_c1_ann",
            "prize_c1_ben|300|waiting|rank 2 prize ordered|m_prize_c1_ben"],
            await rig.RowsAsync("SELECT payout_id || '|' || amount_minor || '|' || state || '|' || reason || '|' || "
                + "ordered_by FROM payout.payouts ORDER BY payout_id"));
        // The prize of nothing (cat's) has nothing to transfer and takes nothing from the budget.
        Assert.Equal(["2|900"], await rig.RowsAsync(
            "SELECT ordered_payouts || '|' || ordered_net_minor FROM payout.contest_payout_budgets"));
        // Each status is caused by its own order, as when the order is applied on its own.
        var statuses = published.Where(m => m.Topic == Topics.PayoutsStatus).ToList();
        Assert.Equal(
            [PayoutStatusChanged.MessageIdFor("prize_c1_ann", 1), PayoutStatusChanged.MessageIdFor("prize_c1_ben", 1)],
            statuses.Select(m => m.OutboxId));
        Assert.Equal(["settle:c1|m_prize_c1_ann", "settle:c1|m_prize_c1_ben"],
            statuses.Select(m => $"{Header(m, MessageHeaders.CorrelationId)}|{Header(m, MessageHeaders.CausationId)}"));
    }

    [Fact]
    public async Task
        Recording_prizes_to_transfer_is_demand_on_the_Stripe_budget_and_a_run_with_nothing_to_transfer_is_not()
    {
        await using var rig = await Rig.StartAsync(fixture);
        await rig.AuthorizeAsync("c1", payouts: 2, net: 600);

        await rig.ApplyRunAsync([Order("cat", 0, 2)]);
        Assert.Equal(long.MinValue, rig.Budget.LastDemand);
        await rig.ApplyRunAsync([Order("ann", 600, 1)]);
        // The instance counts as wanting its part of a pooled budget from the recording on, not from the first send.
        Assert.Equal(rig.Timestamp, rig.Budget.LastDemand);
    }

    private static string Header(OutgoingMessage m, string name) =>
        System.Text.Encoding.UTF8.GetString(m.Headers.Single(h => h.Name == name).Value);

    public static TheoryData<string> Unrecordable => new()
    {
        "past the count", "past the total", "no authorization", "known already", "entry twice",
        "past the verified funds",
    };

    [Theory]
    [MemberData(nameof(Unrecordable))]
    public async Task A_run_that_cannot_be_recorded_whole_throws_so_the_loop_applies_it_one_at_a_time(string what)
    {
        await using var rig = await Rig.StartAsync(fixture);
        await rig.AuthorizeAsync("c1", payouts: 2, net: 1_000, funds: what == "past the verified funds" ? 899 : 1_000);
        var (ann, ben) = (Order("ann", 600, 1), Order("ben", 300, 2));
        PrizePayoutOrdered[] run = what switch
        {
            "past the verified funds" => [ann, ben],
            "past the count" => [ann, ben, Order("cat", 1, 3)],
            "past the total" => [ann, Order("ben", 401, 2)],
            "no authorization" => [Order("ann", 600, 1, contest: "c2")],
            "known already" => [ann, ben],
            "entry twice" => [ann, ann with { PayoutId = "prize_c1_ann_again" }],
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        if (what == "known already") await rig.ApplyRunAsync([ben]);

        await Assert.ThrowsAsync<MessageRejectedException>(() => rig.ApplyRunAsync(run));
        // Rolled back, as the loop does: nothing of the run is recorded and nothing of its budget is taken.
        Assert.Equal(what == "known already" ? ["prize_c1_ben"] : [],
            await rig.RowsAsync("SELECT payout_id FROM payout.payouts"));
    }

    /// <summary>
    /// Payout's schema in a database of the rig's own, and the handler applying runs in a transaction each.
    /// </summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly WorkerDatabase _database;
        private readonly NpgsqlDataSource _data;
        private readonly ManualClock _clock = new(Now);

        /// <summary>The Stripe budget the handler marks demand on (it earns nothing here).</summary>
        public TokenBucket Budget { get; }

        public long Timestamp => _clock.GetTimestamp();

        private Rig(WorkerDatabase database) =>
            (_database, _data, Budget) = (database, database.DataSource, new TokenBucket(0, 1, _clock));

        public static async Task<Rig> StartAsync(PipelineFixture fixture) =>
            new(await fixture.WorkerDatabaseAsync(PayoutWorker.Name, PayoutWorker.Definition.AllMigrations));

        /// <summary>
        /// Settlement's authorization, and entry fees of <paramref name="funds"/> (the authorized net unless said)
        /// recorded as Payout records what Stripe answered it about a succeeded payment for the contest.
        /// </summary>
        public async Task AuthorizeAsync(string contest, int payouts, long net, long? funds = null)
        {
            await using var conn = await _data.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var a = new ContestPayoutsAuthorized("settle:" + contest, contest, payouts, net, "USD", Now);
            var context = new HandlerContext(conn, tx, _clock);
            await AuthorizationStore.RecordAsync(context, a, "m_settle_" + contest);
            await FundsStore.RecordAsync(context, [new PaymentIntent
            {
                Id = "pi_fee_" + contest, Status = "succeeded", AmountReceived = funds ?? net, Currency = "usd",
                Metadata = new() { [PaymentMetadata.ContestId] = contest, [PaymentMetadata.PlayerId] = "payer" },
            }]);
            await tx.CommitAsync();
        }

        /// <summary>
        /// Applies a run in one transaction, committed only if the handler returns; what it published.
        /// </summary>
        public async Task<IReadOnlyList<OutgoingMessage>> ApplyRunAsync(IReadOnlyList<PrizePayoutOrdered> orders)
        {
            await using var conn = await _data.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var context = new HandlerContext(conn, tx, _clock);
            await new PrizePayoutOrderedHandler(Budget)
                .HandleBatchAsync([.. orders.Select((o, i) => Message(o, i))], context,
                CancellationToken.None);
            await tx.CommitAsync();
            return context.Outgoing;
        }

        public async Task<List<string>> RowsAsync(string sql)
        {
            await using var conn = await _data.OpenConnectionAsync();
            return [.. await conn.QueryAsync<string>(sql)];
        }

        public ValueTask DisposeAsync() => _database.DisposeAsync();
    }
}
