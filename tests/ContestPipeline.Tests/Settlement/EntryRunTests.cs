using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Entries;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// Accepted entries as a run (<see cref="EntryAcceptedHandler.HandleBatchAsync"/>): a run books what its entries
/// book one at a time (the entries, each fee's journal entry and postings), the same entry again included; a run with
/// anything one at a time would refuse throws and books nothing, so the consume loop applies it one at a time and the
/// refusal is dead-lettered with its alert. The handler on Settlement's schema in a database of its own.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class EntryRunTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    private static EntryAccepted Entry(string contest, string player, string? payment = null, long fee = Fee) =>
        new($"e-{contest}-{player}", contest, player, payment ?? $"pi_{contest}_{player}", fee, "USD", null, At);

    private static IncomingMessage Message(EntryAccepted entry, int offset) => new()
    {
        Topic = Topics.ContestLifecycle, Partition = 0, Offset = offset,
        RawKey = Encoding.UTF8.GetBytes(entry.ContestId),
        Headers = [], Value = JsonSerializer.SerializeToUtf8Bytes(entry, OutgoingMessage.Json),
        Envelope = new Envelope($"m{offset}-{entry.EntryId}", EntryAccepted.MessageType, 1, entry.ContestId, null, At),
    };

    private static EntryAccepted[] Rush() =>
    [
        Entry("b", "ann"), Entry("a", "ann"), Entry("a", "ben"),
        Entry("a", "ann") with { AcceptedAt = At.AddSeconds(1) },   // the same entry again, redelivered
        Entry("b", "cat"), Entry("a", "cat"),
    ];

    [Fact]
    public async Task A_run_books_what_its_entries_book_one_at_a_time()
    {
        await using var one = await RigAsync(fixture);
        await using var run = await RigAsync(fixture);
        var handler = new EntryAcceptedHandler();
        var rush = Rush();
        for (var i = 0; i < rush.Length; i++) await one.ApplyOneAsync(handler, Message(rush[i], i));
        await run.ApplyRunAsync(handler, [.. rush.Select(Message)]);

        var booked = await run.RowsAsync(Booked);
        Assert.Equal(await one.RowsAsync(Booked), booked);
        Assert.Equal(5, booked.Count(r => r.StartsWith("entry ", StringComparison.Ordinal)));
        Assert.Contains("fee:e-a-ann entry_fee_collected a: 1 platform:stripe_balance 1000 USD, " +
            "2 contest:a:entry_fees -1000 USD", booked);
    }

    public static TheoryData<string> Refused =>
        new() { "a fee that is not the contest's", "a payment that paid for another entry",
        "a payment paid twice in the run", "an entry recorded with other facts", "a contest never scheduled" };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_run_with_an_entry_to_refuse_throws_and_books_nothing(string what)
    {
        await using var rig = await RigAsync(fixture);
        var handler = new EntryAcceptedHandler();
        await rig.ApplyRunAsync(handler, [Message(Entry("a", "zed"), 0)]);
        var before = await rig.RowsAsync(Booked);
        EntryAccepted odd = what switch
        {
            "a fee that is not the contest's" => Entry("a", "dan", fee: Fee + 1),
            "a payment that paid for another entry" => Entry("a", "dan", payment: "pi_a_zed"),
            "a payment paid twice in the run" => Entry("b", "dan", payment: "pi_a_ann"),
            "an entry recorded with other facts" => Entry("a", "zed", payment: "pi_other"),
            "a contest never scheduled" => Entry("nowhere", "dan"),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        EntryAccepted[] entries = [Entry("a", "ann"), odd, Entry("a", "ben")];

        await Assert.ThrowsAsync<MessageRejectedException>(() =>
            rig.ApplyRunAsync(handler, [.. entries.Select(Message)]));
        Assert.Equal(before, await rig.RowsAsync(Booked));
    }

    /// <summary>Settlement's schema with two OPEN contests, a and b, in a database of the rig's own.</summary>
    private static async Task<SchemaRig> RigAsync(PipelineFixture fixture)
    {
        var rig = await SchemaRig.StartAsync(fixture, SettlementWorker.Name, SettlementWorker.Definition.AllMigrations,
            new ManualClock(At));
        foreach (var contest in new[] { "a", "b" })
            await rig.ApplyAsync(c => ContestStore.InsertContestAsync(c, Fantasy(contest, At.AddHours(1), ["g1"])));
        return rig;
    }

    /// <summary>Every entry, journal entry and its postings, as lines.</summary>
    private const string Booked = """
        SELECT 'entry ' || concat_ws(' ', entry_id, contest_id, player_id, payment_intent_id, amount_minor, currency)
        FROM settlement.entries
        UNION ALL
        SELECT j.journal_id || ' ' || j.kind || ' ' || j.contest_id || ': ' || string_agg(
            concat_ws(' ', p.line, p.account, p.amount_minor, p.currency), ', ' ORDER BY p.line)
        FROM settlement.journal j JOIN settlement.postings p USING (journal_id)
        GROUP BY j.journal_id, j.kind, j.contest_id
        ORDER BY 1
        """;
}
