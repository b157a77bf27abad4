using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Operations;
using ContestPipeline.Operations.Entries;
using ContestPipeline.Operations.Standings;
using ContestPipeline.Operations.StripeEvents;

namespace ContestPipeline.Tests.Operations;

/// <summary>
/// The read model records what comes once for every entry a run at a time: the entry, Stripe's event for its payment
/// and what Payout made of it. A run must leave the rows and messages its messages leave applied one at a time,
/// whichever of an event's two facts comes first, a fact given twice included. The handlers on the read model's
/// schema in a database of its own.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ReadModelRunTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    private static IncomingMessage Received(string id, string type, string objectId, int second) => new()
    {
        Topic = Topics.StripeEvents, Partition = 0, Offset = second, RawKey = Encoding.UTF8.GetBytes(id),
        Headers = [new Header(StripeEventReceived.EventTypeHeader, Encoding.UTF8.GetBytes(type)),
            new Header(StripeEventReceived.AccountHeader, Encoding.UTF8.GetBytes("acct_" + id))],
        Value = Encoding.UTF8.GetBytes(
            $"{{\"id\":\"{id}\",\"type\":\"{type}\",\"created\":1,\"livemode\":false," +
            $"\"data\":{{\"object\":{{\"id\":\"{objectId}\"}}}}}}"),
        Envelope = new Envelope(id, StripeEventReceived.MessageType, 1, "stripe:" + id, "webhook:" + id,
            Now.AddSeconds(second)),
    };

    private static IncomingMessage Handled(string id, string type, string objectId, string outcome, int second)
    {
        var handled = new StripeEventHandled(id, type, objectId, null, outcome, Now.AddSeconds(second));
        return new()
        {
            Topic = Topics.PayoutsStatus, Partition = 0, Offset = second, RawKey = Encoding.UTF8.GetBytes(objectId),
            Headers = [],
            Value = JsonSerializer.SerializeToUtf8Bytes(handled, OutgoingMessage.Json),
            Envelope = new Envelope(StripeEventHandled.MessageIdFor(id), StripeEventHandled.MessageType, 1,
                "stripe:" + id, id, Now.AddSeconds(second)),
        };
    }

    [Fact]
    public async Task Runs_of_received_and_handled_events_leave_what_they_leave_one_at_a_time()
    {
        IncomingMessage[] received =
        [
            Received("evt_a", "payment_intent.succeeded", "pi_a", 1),
            Received("evt_b", "payment_intent.succeeded", "pi_b", 2),
            Received("evt_a", "payment_intent.succeeded", "pi_a", 5),   // given again, later: the later one stands
            Received("evt_c", "charge.succeeded", "ch_c", 3),
        ];
        IncomingMessage[] handled =
        [
            Handled("evt_b", "payment_intent.succeeded", "pi_b", "entry fee of player b", 2),
            Handled("evt_d", "transfer.created", "tr_d", "recorded", 4),   // before its event arrives
            Handled("evt_b", "payment_intent.succeeded", "pi_b", "entry fee of player b, again", 6),
        ];
        await using var one = await RigAsync(fixture);
        await using var run = await RigAsync(fixture);
        var (receivedHandler, handledHandler) = (new StripeEventReceivedHandler(), new StripeEventHandledHandler());
        foreach (var m in handled[..1]) await one.ApplyOneAsync(handledHandler, m);
        foreach (var m in received) await one.ApplyOneAsync(receivedHandler, m);
        foreach (var m in handled[1..]) await one.ApplyOneAsync(handledHandler, m);
        await run.ApplyRunAsync(handledHandler, handled[..1]);
        await run.ApplyRunAsync(receivedHandler, received);
        await run.ApplyRunAsync(handledHandler, handled[1..]);

        const string rows =
            "SELECT concat_ws('|', event_id, type, object_id, account, received_at, outcome, handled_at) " +
            "FROM operations.stripe_events ORDER BY event_id";
        var expected = await one.RowsAsync(rows);
        Assert.Equal(4, expected.Count);
        Assert.Contains(expected, r => r.StartsWith(
            "evt_a|payment_intent.succeeded|pi_a|acct_evt_a|2026-11-25 18:00:05", StringComparison.Ordinal));
        Assert.Contains(expected, r => r.StartsWith("evt_b|", StringComparison.Ordinal)
            && r.Contains("|entry fee of player b, again|", StringComparison.Ordinal));
        Assert.Equal(expected, await run.RowsAsync(rows));
    }

    private static IncomingMessage Accepted(string contest, string player, int second) => new()
    {
        Topic = Topics.ContestLifecycle, Partition = 0, Offset = second, RawKey = Encoding.UTF8.GetBytes(contest),
        Headers = [],
        Value = JsonSerializer.SerializeToUtf8Bytes(new EntryAccepted($"e-{contest}-{player}", contest, player,
            $"pi_{contest}_{player}", 1_000, "USD", null, Now), OutgoingMessage.Json),
        Envelope = new Envelope($"m{second}", EntryAccepted.MessageType, 1, contest, "submission:" + player,
            Now.AddSeconds(second)),
    };

    [Fact]
    public async Task A_run_of_entries_leaves_what_they_leave_one_at_a_time_each_counted_and_told_once()
    {
        // ann's entry twice (redelivered under another message id); contest b seen before its definition.
        IncomingMessage[] entries =
            [Accepted("a", "ann", 1), Accepted("b", "ben", 2), Accepted("a", "ann", 3), Accepted("a", "cat", 4)];
        await using var one = await RigAsync(fixture);
        await using var run = await RigAsync(fixture);
        var handler = new EntryAcceptedHandler();
        await one.ApplyOneAsync(handler, Accepted("a", "dan", 0));
        await run.ApplyOneAsync(handler, Accepted("a", "dan", 0));

        var toldOne = new List<string>();
        foreach (var m in entries) toldOne.AddRange(await one.ApplyOneAsync(handler, m));
        var toldRun = await run.ApplyRunAsync(handler, entries);

        const string rows = """
            SELECT 'contest ' || concat_ws('|', contest_id, state, entry_count) FROM operations.contests
            UNION ALL SELECT 'event ' || concat_ws('|', message_id, contest_id, at, kind, summary)
                FROM operations.contest_events
            UNION ALL SELECT 'entry ' || concat_ws('|', entry_id, contest_id, player_id, payment_intent_id,
                amount_minor, currency, accepted_at) FROM operations.entries
            ORDER BY 1
            """;
        var expected = await one.RowsAsync(rows);
        Assert.Contains("contest a|UNKNOWN|3", expected);
        Assert.Contains("contest b|UNKNOWN|1", expected);
        Assert.Equal(5, expected.Count(r => r.StartsWith("event ", StringComparison.Ordinal)));
        Assert.Equal(expected, await run.RowsAsync(rows));
        Assert.Equal(["a|m1", "b|m2", "a|m4"], toldRun.Select(t => t[(t.IndexOf('|') + 1)..]));
        Assert.Equal(toldOne, toldRun);
    }

    private static IncomingMessage Board(long version, int second, string leader) => new()
    {
        Topic = Topics.Standings, Partition = 0, Offset = second, RawKey = Encoding.UTF8.GetBytes("live"), Headers = [],
        Value = JsonSerializer.SerializeToUtf8Bytes(new StandingsUpdated("live", version, 2,
            [new StandingRow(1, "e-" + leader, leader, 9_000), new StandingRow(2, "e-other", "other", 1_000)],
            Now.AddSeconds(second)), OutgoingMessage.Json),
        Envelope = new Envelope($"standings:live:{second}:{version}", StandingsUpdated.MessageType, 1, "live", null,
            Now.AddSeconds(second)),
    };

    [Fact]
    public async Task Live_standings_keep_the_board_computed_last_whatever_its_version()
    {
        await using var rig = await RigAsync(fixture);
        var handler = new StandingsUpdatedHandler();
        const string row =
            "SELECT concat_ws('|', version, entry_count, leaders->0->>'playerId') FROM operations.live_standings";
        await rig.ApplyOneAsync(handler, Board(5, 10, "ann"));
        await rig.ApplyOneAsync(handler, Board(3, 5, "ben"));        // an older board, late: changes nothing
        Assert.Equal(["5|2|ann"], await rig.RowsAsync(row));
        await rig.ApplyOneAsync(handler, Board(1, 20, "cat"));       // Scoring restarted: a lower version,
                                                                     // computed later
        Assert.Equal(["1|2|cat"], await rig.RowsAsync(row));
        await rig.ApplyOneAsync(handler, Board(2, 20, "dan"));       // the same time, a higher version
        Assert.Equal(["2|2|dan"], await rig.RowsAsync(row));
    }

    private static Task<SchemaRig> RigAsync(PipelineFixture fixture) =>
        SchemaRig.StartAsync(fixture, OperationsWorker.Name, OperationsWorker.Definition.AllMigrations,
            TimeProvider.System);
}
