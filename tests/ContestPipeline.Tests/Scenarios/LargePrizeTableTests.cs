using ContestPipeline.Rules.Ledger;
using ContestPipeline.Local.Demo;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// A guaranteed tournament published as a lobby publishes it — a few top prizes, then ranges
/// widening down to a 40.00 minimum cash, 75,500 paid places — settled through the real
/// Settlement worker against Postgres and the local broker, with tied entries straddling range
/// boundaries. Settlement is fed directly, as Ingestion and Scoring would have fed it
/// (ContestScheduled, EntryAccepted, the final standings in chunks, ContestCompleted), so the
/// test spends its time on settling rather than on entries.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class LargePrizeTableTests(PipelineFixture fixture, ITestOutputHelper output)
{
    private const string ContestId = "nfl-2026-w12-millionaire";
    private const int Entries = 76_000;
    private const long EntryFeeMinor = 2_000;
    private const int PlatformFeeBp = 300;

    /// <summary>The lobby, in cents: 75,500 places, 5,810,000.00 in all.</summary>
    private static readonly PrizeAmount[] Lobby =
    [
        new(1, 1, 100_000_000), new(2, 2, 50_000_000), new(3, 3, 25_000_000), new(4, 4, 10_000_000),
        new(5, 5, 7_500_000),
        new(6, 6, 5_000_000), new(7, 7, 4_000_000), new(8, 8, 3_000_000), new(9, 9, 2_000_000), new(10, 10, 1_000_000),
        new(11, 15, 500_000), new(16, 20, 300_000), new(21, 30, 200_000), new(31, 40, 150_000), new(41, 50, 100_000),
        new(51, 75, 75_000), new(76, 100, 50_000), new(101, 150, 40_000), new(151, 200, 30_000), new(201, 300, 25_000),
        new(301, 400, 20_000), new(401, 500, 17_500), new(501, 750, 15_000), new(751, 1_000, 12_500),
        new(1_001, 1_500, 10_000),
        new(1_501, 2_000, 9_000), new(2_001, 3_000, 8_000), new(3_001, 4_000, 7_500), new(4_001, 5_000, 7_000),
        new(5_001, 7_500, 6_500),
        new(7_501, 10_000, 6_000), new(10_001, 15_000, 5_500), new(15_001, 20_000, 5_000), new(20_001, 30_000, 4_500),
        new(30_001, 40_000, 4_250), new(40_001, 75_500, 4_000),
    ];

    private const long Guarantee = 581_000_000;

    /// <summary>
    /// Who funds the overlay: the ledger books it to their funding account, not the platform's expense.
    /// </summary>
    private const string Sponsor = "nfl-partner";

    /// <summary>
    /// Groups of tied entries: the place they tie at, how many, and what each gets, worked out by
    /// hand; the extra cent of a split that does not divide goes to the first entry id.
    /// </summary>
    private static readonly (int Place, int Tied, long[] Gross)[] Ties =
    [
        // 2nd 500,000.00 + 3rd 250,000.00 = 750,000.00: two single-place rows.
        (2, 2, [37_500_000, 37_500_000]),
        // 10th 10,000.00 + 11th 5,000.00: the last single place and the first range.
        (10, 2, [750_000, 750_000]),
        // 14th-15th 5,000.00 × 2 + 16th-20th 3,000.00 × 5 + 21st 2,000.00 = 27,000.00 over three rows, 3,375.00 each.
        (14, 8, [.. Enumerable.Repeat(337_500L, 8)]),
        // 40th 1,500.00 + 41st-42nd 1,000.00 × 2 = 3,500.00 / 3 = 1,166.66 r 2 cents: the first two entry ids get
        // 1,166.67.
        (40, 3, [116_667, 116_667, 116_666]),
        // 9,999th-10,000th 60.00 × 2 + 10,001st-10,002nd 55.00 × 2 = 230.00, 57.50 each.
        (9_999, 4, [5_750, 5_750, 5_750, 5_750]),
        // 40,000th 42.50 + 40,001st 40.00 (the minimum cash) = 82.50, 41.25 each.
        (40_000, 2, [4_125, 4_125]),
        // 75,499th-75,500th 40.00 × 2 and three places beyond the paid ones (0) = 80.00, 16.00 each.
        (75_499, 5, [.. Enumerable.Repeat(1_600L, 5)]),
    ];

    [Fact]
    public async Task A_75500_place_sponsored_guaranteed_lobby_is_paid_to_the_cent_through_the_real_settlement_worker()
    {
        var lockAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        var definition = new ContestDefined(ContestId, "NFL Week 12 Millionaire Maker", ContestKinds.Fantasy, "USD",
            EntryFeeMinor, 2, 100_000, 150,
            lockAt, ["g1"], ContestScenarios.FootballRules, LineupSize: 2,
            new PrizeTable(PrizeTableKinds.FixedAmounts, Amounts: Lobby),
            new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: Guarantee, Sponsor: Sponsor), PlatformFeeBp);
        // The definition is one Ingestion would schedule (it would have been validated before lock).
        Assert.Empty(ContestValidator.Validate(definition,
            new Dictionary<string, GameInfo> { ["g1"] = new(lockAt.AddHours(1),
                new HashSet<string>(StringComparer.Ordinal) { "qb1", "rb1" }) }, lockAt.AddDays(-1)));
        var standings = Standings();
        var expected = ExpectedAwards(standings);

        await using var run = await ContestRun.StartEmptyAsync(fixture);
        run.StartWorker("settlement");
        using var orders = new OrderReader(run.Iso.Broker.BootstrapServers);
        using var producer = KafkaClients.Producer(KafkaClients.ProducerConfig(run.Iso.Broker.BootstrapServers,
            "tests.large-prize-table"), NullLogger.Instance);
        var clock = Stopwatch.StartNew();

        Produce(producer, Topics.ContestLifecycle, ContestScheduled.MessageType,
            ContestScheduled.MessageIdFor(ContestId), new ContestScheduled(OutsideWorld.Sealed(definition)));
        await ProduceEveryEntryAsync(run, producer, standings, lockAt);
        output.WriteLine($"{Entries:N0} entries taken in by settlement after {clock.Elapsed.TotalSeconds:F1} s");

        var chunks = standings.Chunk(FinalStandingsPublished.RowsPerChunkMax).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            Produce(producer, Topics.Standings, FinalStandingsPublished.MessageType,
                FinalStandingsPublished.MessageIdFor(ContestId, i),
                new FinalStandingsPublished(ContestId, i, chunks.Count, chunks[i]));
            await WaitForCountAsync(run, "settlement.standings_chunks", i + 1);
        }
        var settling = Stopwatch.StartNew();
        Produce(producer, Topics.ContestLifecycle, ContestCompleted.MessageType,
            ContestCompleted.MessageIdFor(ContestId),
            new ContestCompleted(ContestId, Entries, chunks.Count, "standings-hash", "inputs-hash",
                DateTimeOffset.UtcNow));
        await run.WaitForSettlementStateAsync(ContestId, "SETTLED", TimeSpan.FromSeconds(240));
        output.WriteLine($"settled {expected.Count:N0} prizes (in chunks of {SettleContestsJob.AwardsPerChunk:N0}) "
            + $"{settling.Elapsed.TotalSeconds:F1} s after ContestCompleted");
        var published = await orders.WaitForAsync(expected.Count, TimeSpan.FromSeconds(120));
        output.WriteLine($"{published.Count:N0} payout orders read from payouts.due "
            + $"{settling.Elapsed.TotalSeconds:F1} s after ContestCompleted; {clock.Elapsed.TotalSeconds:F1} s in all");

        AssertEveryPrizeOrderedToTheCent(standings, expected, published);
        await AssertTheLedgerAsync(run, expected.Count, published);
    }

    private static async Task AssertTheLedgerAsync(ContestRun run, int prizes, Dictionary<string, Order> published)
    {
        // The ledger: the contest's accounts are closed; the sponsor funded the overlay; every
        // prize is the winner's net plus the platform's fee; every journal entry balances.
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Empty(await conn.QueryAsync<string>(
            "SELECT journal_id FROM settlement.postings GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0"));
        var balances = (await conn.QueryAsync<(string Account, long Balance)>(
            "SELECT account, sum(amount_minor)::bigint FROM settlement.postings GROUP BY account"))
            .ToDictionary(b => b.Account, b => b.Balance);
        var feesKept = Entries * EntryFeeMinor;
        Assert.Equal(0, balances[$"contest:{ContestId}:entry_fees"]);
        Assert.Equal(0, balances[$"contest:{ContestId}:prize_pool"]);
        Assert.Equal(feesKept, balances["platform:stripe_balance"]);
        Assert.Equal(Guarantee - feesKept, balances[Accounts.SponsorFunding(Sponsor)]);
        Assert.False(balances.ContainsKey(Accounts.OverlayExpense));
        Assert.Equal(-published.Values.Sum(o => o.FeeMinor), balances["platform:fee_revenue"]);
        Assert.Equal(-published.Values.Sum(o => o.NetMinor),
            balances.Where(b => b.Key.StartsWith("player:", StringComparison.Ordinal)).Sum(b => b.Value));
        Assert.Equal(0, balances.Values.Sum());
        Assert.Equal((prizes, Guarantee), await conn.QueryFirstAsync<(int, long)>(
            "SELECT count(*)::int, sum(gross_minor)::bigint FROM settlement.payouts WHERE contest_id = @ContestId",
            new { ContestId }));
    }

    /// <summary>Every entry accepted, as Ingestion publishes them.</summary>
    private static async Task ProduceEveryEntryAsync(ContestRun run, IProducer<byte[]?, byte[]?> producer,
        List<StandingRow> standings, DateTimeOffset lockAt)
    {
        // The local broker keeps about 5 MiB per partition and a contest's messages share one
        // partition, so they go out in chunks that Settlement has taken in.
        foreach (var chunk in standings.Chunk(5_000).Select((rows, i) => (rows, i)))
        {
            foreach (var row in chunk.rows)
                Produce(producer, Topics.ContestLifecycle, EntryAccepted.MessageType,
                    EntryAccepted.MessageIdFor(row.EntryId),
                    new EntryAccepted(row.EntryId, ContestId, row.PlayerId, "pi_" + row.EntryId, EntryFeeMinor, "USD",
                        ["qb1", "rb1"], lockAt.AddMinutes(-1)), flush: false);
            producer.Flush(TimeSpan.FromSeconds(60));
            await WaitForCountAsync(run, "settlement.entries", chunk.i * 5_000 + chunk.rows.Length);
        }
    }

    private static void AssertEveryPrizeOrderedToTheCent(List<StandingRow> standings,
        Dictionary<string, Order> expected, Dictionary<string, Order> published)
    {
        // Every place to the 75,498th has one entry; the five tied at 75,499th share the last two places.
        Assert.Equal(75_498 + 5, expected.Count);
        Assert.Equal(expected.Count, published.Count);
        Assert.Equal(Guarantee, published.Values.Sum(o => o.GrossMinor));
        Assert.Equal(Guarantee, published.Values.Sum(o => o.FeeMinor + o.NetMinor));
        foreach (var (entryId, want) in expected)
        {
            Assert.True(published.TryGetValue(PayoutIds.For(ContestId, entryId), out var got),
                $"no payout order for {entryId}");
            Assert.Equal(want, got);
        }
        foreach (var (place, tied, gross) in Ties)
            Assert.Equal(gross, standings.Skip(place - 1).Take(tied)
                .Select(r => published[PayoutIds.For(ContestId, r.EntryId)].GrossMinor));
    }

    /// <summary>
    /// Final standings, best first: one entry a place, except the groups of <see cref="Ties"/>.
    /// Entry ids follow the rows, so a tie's entry id order is its row order.
    /// </summary>
    private static List<StandingRow> Standings()
    {
        var groups = Ties.ToDictionary(t => t.Place, t => t.Tied);
        var rows = new List<StandingRow>(Entries);
        while (rows.Count < Entries)
        {
            var place = rows.Count + 1;
            var tied = groups.GetValueOrDefault(place, 1);
            for (var i = 0; i < tied; i++)
            {
                var n = rows.Count;
                rows.Add(new StandingRow(place, string.Create(CultureInfo.InvariantCulture, $"entry_{n:D6}"),
                    $"plr_{n % 40_000:D5}", 1_000_000_000L - place * 10L));
            }
        }
        return rows;
    }

    /// <summary>
    /// What each winning entry's order must say, worked out place by place and independently of
    /// Settlement's ranges: the sum of the places a group spans, split evenly with the extra cents
    /// to the first entry ids; the fee 3 % of each prize, half-up.
    /// </summary>
    private static Dictionary<string, Order> ExpectedAwards(List<StandingRow> standings)
    {
        var places = Lobby.SelectMany(r => Enumerable.Repeat(r.AmountMinor, r.To - r.From + 1)).ToArray();
        var awards = new Dictionary<string, Order>(StringComparer.Ordinal);
        for (var start = 0; start < places.Length;)
        {
            var end = start + 1;
            while (end < standings.Count && standings[end].Rank == standings[start].Rank) end++;
            var combined = places.Skip(start).Take(Math.Min(end, places.Length) - start).Sum();
            for (var i = start; i < end; i++)
            {
                var gross = combined / (end - start) + (i - start < combined % (end - start) ? 1 : 0);
                var fee = (gross * PlatformFeeBp + 5_000) / 10_000;
                var row = standings[i];
                awards[row.EntryId] = new Order(row.EntryId, row.PlayerId, row.Rank, gross, fee, gross - fee,
                    "pi_" + row.EntryId);
            }
            start = end;
        }
        return awards;
    }

    private sealed record Order(string EntryId, string PlayerId, int Rank, long GrossMinor, long FeeMinor,
        long NetMinor, string? PaymentIntentId);

    private static void Produce<T>(IProducer<byte[]?, byte[]?> producer, string topic, string type, string id, T body,
        bool flush = true)
    {
        var message = OutgoingMessage.Create(topic, ContestId,
            new Envelope(id, type, 1, ContestId, null, DateTimeOffset.UtcNow), body);
        // Signed as the worker it stands in for (Ingestion, Scoring), as that worker's relay would.
        var signer = LocalSigningKeys.Keys.SignerFor(PublishRights.Pipeline.ProducersOf(topic, type)[0]);
        message = message with { Headers = signer.Sign(topic, message.Key, message.Headers, message.Payload) };
        while (true)
        {
            try
            {
                producer.Produce(topic, KafkaClients.Message(message));
                break;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
        if (flush) producer.Flush(TimeSpan.FromSeconds(30));
    }

    private static Task WaitForCountAsync(ContestRun run, string table, int count) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table })
                && await conn.ExecuteScalarAsync<long>(
                    $"SELECT count(*) FROM {table} WHERE contest_id = @ContestId", new { ContestId }) >= count;
        }, $"{count:N0} rows in {table}");

    /// <summary>
    /// Reads payouts.due from the start while Settlement's relay publishes it: the local broker
    /// keeps only about 5 MiB of a partition and a contest's 75,503 orders share one, so they
    /// cannot all be read back afterwards. Bodies are kept raw and parsed at the end.
    /// </summary>
    private sealed class OrderReader : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reading;
        private readonly List<byte[]> _bodies = [];
        private int _count;

        public OrderReader(string bootstrapServers)
        {
            _reading = Task.Factory.StartNew(() =>
            {
                var config = KafkaClients.ConsumerConfig(bootstrapServers,
                    "tests.orders." + Guid.NewGuid().ToString("N"));
                config.EnableAutoCommit = false;
                using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
                consumer.Assign(Enumerable.Range(0, Topics.PartitionCountDefault)
                    .Select(p => new TopicPartitionOffset(Topics.PayoutsDue, p, Offset.Beginning)));
                while (!_stop.IsCancellationRequested)
                {
                    var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (r is not { IsPartitionEOF: false, Message.Value: { } value }) continue;
                    var type = r.Message.Headers.TryGetLastBytes(MessageHeaders.Type, out var t)
                        ? Encoding.UTF8.GetString(t) : "";
                    if (type != PrizePayoutOrdered.MessageType) continue;
                    lock (_bodies) _bodies.Add(value);
                    Interlocked.Increment(ref _count);
                }
                consumer.Close();
            }, TaskCreationOptions.LongRunning);
        }

        /// <summary>
        /// The orders read once <paramref name="count"/> have arrived, by payout id (a re-sent order is the same
        /// order).
        /// </summary>
        public async Task<Dictionary<string, Order>> WaitForAsync(int count, TimeSpan timeout)
        {
            await Eventually.UntilAsync(() => Volatile.Read(ref _count) >= count,
                $"{count:N0} payout orders on payouts.due", timeout);
            await _stop.CancelAsync();
            await _reading;
            var orders = new Dictionary<string, Order>(StringComparer.Ordinal);
            foreach (var body in _bodies)
            {
                var o = JsonSerializer.Deserialize<PrizePayoutOrdered>(body, OutgoingMessage.Json)!;
                Assert.Equal((ContestId, "USD"), (o.ContestId, o.Currency));
                orders[o.PayoutId] = new Order(o.EntryId, o.PlayerId, o.Rank, o.GrossMinor, o.FeeMinor, o.NetMinor,
                    o.PaymentIntentId);
            }
            return orders;
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _reading.Wait(TimeSpan.FromSeconds(10)); }
            catch (AggregateException)
            {
                /* the reader's failure was already reported by the test that waited for it */
            }
            _stop.Dispose();
        }
    }
}
