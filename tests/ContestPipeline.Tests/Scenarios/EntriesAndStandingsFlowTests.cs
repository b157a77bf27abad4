using System.Text.Json;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Entries and the live referee through one deployment (ingestion, scoring and payout
/// as processes, the broker over TCP, Postgres, the Stripe-compatible server over HTTP): a
/// cancelled contest and a full one turn paid submissions away and refund them once however
/// often they come back; a game's feed arrives out of order and with re-sends while a contest
/// is live, and the live standings follow it. The scenario runs once; each test below judges
/// one promise on what the pipeline published and stored.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class EntriesAndStandingsFlowTests(PipelineFixture fixture)
{
    private const string Main = "main", Gone = "gone";
    private static readonly object Gate = new();
    private static Task<Observed>? _scenario;

    private Task<Observed> ScenarioAsync()
    {
        lock (Gate) return _scenario ??= Task.Run(() => RunScenarioAsync(fixture));
    }

    private sealed record Payments(string Alice, string Bob, string Carol, string Dave, string Erin);

    /// <summary>
    /// What the scenario left behind, read once the main contest completed and the refunds were made.
    /// </summary>
    private sealed record Observed(
        Payments Pay,
        List<OutsideWorld.Published> Lifecycle,
        List<OutsideWorld.Published> PayoutsDue,
        List<OutsideWorld.Published> Games,
        List<OutsideWorld.Published> Standings,
        List<OutsideWorld.Published> Alerts,
        List<OutsideWorld.Published> FeedDeadLetters,
        IReadOnlyList<RecordedRefund> StripeRefunds,
        List<(string EntryId, string ContestId, string PlayerId)> Entries,
        List<(int Rank, string EntryId, string PlayerId, long ScoreMilli)> FinalStandings)
    {
        public List<(string Reason, string? RefundId)> Rejections(string submissionId) =>
            [.. Lifecycle.Where(m =>
                m.Type == EntryRejected.MessageType && m.Body.GetProperty("submissionId").GetString() == submissionId)
                .Select(m => (m.Body.GetProperty("reason").GetString()!,
                    m.Body.TryGetProperty("refundId", out var r) ? r.GetString() : null))];

        public List<OutsideWorld.Published> RefundOrders(string paymentIntent) =>
            [.. PayoutsDue.Where(m => m.Type == RefundOrdered.MessageType
                && m.Body.GetProperty("paymentIntentId").GetString() == paymentIntent)];

        public List<StandingsUpdated> LiveStandings(string contestId) =>
            [.. Standings.Where(m => m.Type == StandingsUpdated.MessageType && m.Key == contestId)
                .Select(m => m.Body.Deserialize<StandingsUpdated>(OutgoingMessage.Json)!)];
    }

    private static async Task<Observed> RunScenarioAsync(PipelineFixture fixture)
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "payout");
        var world = run.World;

        var pay = await DefineEnterAndCancelAsync(run);
        await run.WaitForStateAsync(Main, "LOCKED");

        await FeedWhileMainIsLiveAsync(run);
        await run.WaitForStateAsync(Main, "COMPLETE");

        // Both refunds carried out at Stripe, and main's completion on its timeline.
        await Eventually.UntilAsync(() =>
            new[] { pay.Dave, pay.Erin }.All(pi => run.Stripe.Ledger().Refunds.Any(r => r.PaymentIntent == pi)),
            "the refunds of dave's and erin's payments at Stripe");
        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Any(m => m.Key == Main && m.Type == ContestCompleted.MessageType),
            "main's ContestCompleted");

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var entries = (await conn.QueryAsync<(string, string, string)>(
            "SELECT entry_id, contest_id, player_id FROM ingestion.entries ORDER BY contest_id, player_id")).ToList();
        return new Observed(pay,
            world.Read(Topics.ContestLifecycle), world.Read(Topics.PayoutsDue), world.Read(Topics.Games),
            world.Read(Topics.Standings),
            world.Read(Topics.Alerts), world.Read(Topics.DeadLetter(Topics.ProviderFeed)),
            run.Stripe.Ledger().Refunds, entries, await run.FinalStandingsAsync(Main));
    }

    /// <summary>The two contests, main's entries (one past its limit) and gone's cancel, then erin's entries to
    /// gone; the payments.</summary>
    private static async Task<Payments> DefineEnterAndCancelAsync(ContestRun run)
    {
        var world = run.World;

        // ---- contests: "main" takes three entries at most, "gone" is cancelled before anyone enters
        var lockAt = await run.LockTimeAsync();
        world.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1", "wr1");
        world.Schedule("g2", 1, lockAt.AddMinutes(5), "qb2", "rb2", "wr2");
        world.Schedule("g3", 1, lockAt.AddHours(2), "qb3", "rb3");
        run.Define(Fantasy(Main, lockAt, ["g1", "g2"]) with { MaxEntries = 3 });
        run.Define(Fantasy(Gone, lockAt.AddHours(1), ["g3"]));

        var pay = new Payments(world.Pay(Main, "alice", Fee), world.Pay(Main, "bob", Fee),
            world.Pay(Main, "carol", Fee),
            world.Pay(Main, "dave", Fee), world.Pay(Gone, "erin", Fee));
        // One partition per contest on entries: dave's submission is decided after the three before it.
        world.Submit(Entry("s-alice", Main, "alice", pay.Alice, "qb1", "wr2"));
        world.Submit(Entry("s-bob", Main, "bob", pay.Bob, "qb2", "rb1"));
        world.Submit(Entry("s-carol", Main, "carol", pay.Carol, "rb2", "wr1"));
        world.Submit(Entry("s-dave", Main, "dave", pay.Dave, "qb1", "rb1"));            // the fourth: full
        world.Submit(Entry("s-dave-again", Main, "dave", pay.Dave, "qb1", "rb1"));      // the refunded payment
                                                                                        // once more

        world.Cancel(Gone, "venue closed");
        await WaitForAsync(run, "gone cancelled in ingestion",
            "SELECT EXISTS (SELECT 1 FROM ingestion.contests WHERE contest_id = 'gone' AND status = 'cancelled')");
        var erin = Entry("s-erin", Gone, "erin", pay.Erin, "qb3", "rb3");
        world.Submit(erin);
        world.Submit(erin);                                                               // the same message
                                                                                          // re-delivered
        world.Submit(erin with { SubmissionId = "s-erin-again" });                        // the refunded payment
                                                                                          // once more
        return pay;
    }

    private static async Task FeedWhileMainIsLiveAsync(ContestRun run)
    {
        var world = run.World;

        // ---- the feed while main is live, and the standings it must give -----------------------
        world.Start("g1", 2);
        await run.WaitForStateAsync(Main, "LIVE");
        world.Stat("g1", 3, "qb1", "passing_yards", 250);                                  // alice 10.000
        await WaitForStandingsAsync(run, "alice leading on g1 up to 3",
            s => Leads(s, "alice", 10_000) && At(s, "g1") == 3);

        world.Stat("g1", 5, "rb1", "rushing_yards", 150);                                  // early: 4 is missing
        await WaitForAsync(run, "g1's sequence 5 held",
            "SELECT EXISTS (SELECT 1 FROM ingestion.held_events WHERE game_id = 'g1' AND sequence = 5)");
        ReSend(world, "g1", 5, "held", new StatUpdated("g1", 5, "rb1", "rushing_yards", 150)); // a re-send of what
                                                                                               // is held
        world.Stat("g1", 4, "wr1", "receiving_yards", 40);                                 // fills the gap: 4 then 5
        await WaitForStandingsAsync(run, "bob leading on g1 up to 5", s => Leads(s, "bob", 15_000) && At(s, "g1") == 5
            && s.Leaders.Any(l => l.PlayerId == "carol" && l.ScoreMilli == 4_000));
        world.Stat("g1", 4, "wr1", "receiving_yards", 40);                                 // re-delivered as it was
        ReSend(world, "g1", 4, "resent", new StatUpdated("g1", 4, "wr1", "receiving_yards", 40)); // re-sent under a
                                                                                                  // new id

        world.Stat("g1", 6, "qb1", "passing_touchdowns", 2);                               // alice 18.000
        await WaitForStandingsAsync(run, "alice leading again on g1 up to 6",
            s => Leads(s, "alice", 18_000) && At(s, "g1") == 6);
        world.Stat("g1", 7, "qb1", "passing_yards", 300);                                  // cumulative: alice 20.000
        await WaitForStandingsAsync(run, "alice at 20.000 on g1 up to 7",
            s => Leads(s, "alice", 20_000) && At(s, "g1") == 7);
        // An older total re-sent after a newer one: applied, it would take alice back to 18.000.
        ReSend(world, "g1", 3, "resent", new StatUpdated("g1", 3, "qb1", "passing_yards", 250));
        world.End("g1", 8);

        world.Start("g2", 2);
        world.Stat("g2", 3, "qb2", "passing_yards", 200);                                  // bob 23.000
        await WaitForStandingsAsync(run, "bob leading on g2 up to 3", s => Leads(s, "bob", 23_000) && At(s, "g2") == 3);
        world.Stat("g2", 4, "wr2", "receptions", 4);                                       // alice 22.000
        await WaitForStandingsAsync(run, "alice at 22.000 on g2 up to 4",
            s => Leads(s, "bob", 23_000) && At(s, "g2") == 4
            && s.Leaders.Any(l => l.PlayerId == "alice" && l.ScoreMilli == 22_000));
        world.End("g2", 5);
    }

    /// <summary>
    /// The provider sending an event again under a message id of its own: the same content, a new message.
    /// </summary>
    private static void ReSend(OutsideWorld world, string game, long sequence, string tag, StatUpdated body) =>
        world.Publish(Topics.ProviderFeed, game, StatUpdated.MessageType, $"feed:{game}:{sequence}:{tag}", body);

    private static bool Leads(StandingsUpdated s, string player, long scoreMilli) =>
        s.Leaders.Count > 0 && s.Leaders[0].PlayerId == player && s.Leaders[0].ScoreMilli == scoreMilli
            && s.Leaders[0].Rank == 1;

    private static long At(StandingsUpdated s, string game) => s.AsOf?.GetValueOrDefault(game) ?? 0;

    private static Task WaitForStandingsAsync(ContestRun run, string what, Func<StandingsUpdated, bool> match) =>
        Eventually.UntilAsync(() => run.World.Read(Topics.Standings)
                .Any(m => m.Key == Main && m.Type == StandingsUpdated.MessageType
                    && match(m.Body.Deserialize<StandingsUpdated>(OutgoingMessage.Json)!)),
            "standings: " + what);

    private static Task WaitForAsync(ContestRun run, string what, string sql) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('ingestion.held_events') IS NOT NULL")
                && await conn.ExecuteScalarAsync<bool>(sql);
        }, what);

    // ---- entries ------------------------------------------------------------------------------

    [Fact]
    public async Task
        A_paid_submission_to_a_cancelled_contest_is_rejected_and_refunded_once_however_often_it_comes_back()
    {
        var o = await ScenarioAsync();
        var (reason, refundId) = Assert.Single(o.Rejections("s-erin"));             // re-delivered: still one decision
        Assert.Equal($"contest {Gone} is cancelled", reason);
        Assert.Equal(RefundOrdered.RefundIdFor(o.Pay.Erin), refundId);

        var again = Assert.Single(o.Rejections("s-erin-again"));
        Assert.Null(again.RefundId);
        Assert.Contains($"{o.Pay.Erin} was already refunded", again.Reason, StringComparison.Ordinal);

        var order = Assert.Single(o.RefundOrders(o.Pay.Erin));
        Assert.Equal((Gone, "erin", Fee, refundId), (order.Key, order.Body.GetProperty("playerId").GetString(),
            order.Body.GetProperty("amountMinor").GetInt64(),
            order.Body.GetProperty("refundId").GetString()));
        var refund = Assert.Single(o.StripeRefunds, r => r.PaymentIntent == o.Pay.Erin);
        Assert.Equal((Fee, refundId), (refund.Amount, refund.IdempotencyKey));
        Assert.DoesNotContain(o.Entries, e => e.ContestId == Gone);
    }

    [Fact]
    public async Task A_paid_submission_to_a_full_contest_is_rejected_and_refunded_once_however_often_it_comes_back()
    {
        var o = await ScenarioAsync();
        var (reason, refundId) = Assert.Single(o.Rejections("s-dave"));
        Assert.Equal($"contest {Main} is full: 3 entries of maxEntries 3", reason);
        Assert.Equal(RefundOrdered.RefundIdFor(o.Pay.Dave), refundId);

        var again = Assert.Single(o.Rejections("s-dave-again"));
        Assert.Null(again.RefundId);
        Assert.Contains($"{o.Pay.Dave} was already refunded", again.Reason, StringComparison.Ordinal);

        var order = Assert.Single(o.RefundOrders(o.Pay.Dave));
        Assert.Equal((Main, "dave", Fee), (order.Key, order.Body.GetProperty("playerId").GetString(),
            order.Body.GetProperty("amountMinor").GetInt64()));
        var refund = Assert.Single(o.StripeRefunds, r => r.PaymentIntent == o.Pay.Dave);
        Assert.Equal((Fee, refundId), (refund.Amount, refund.IdempotencyKey));
        // Nothing else was refunded: the accepted entries' money stays.
        Assert.Equal(new[] { o.Pay.Dave, o.Pay.Erin }.Order(StringComparer.Ordinal),
            o.StripeRefunds.Select(r => r.PaymentIntent).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Rejected_submissions_leave_the_accepted_entries_and_the_final_standings_as_they_were()
    {
        var o = await ScenarioAsync();
        string[] accepted = [EntrySubmitted.EntryIdFor(o.Pay.Alice), EntrySubmitted.EntryIdFor(o.Pay.Bob),
            EntrySubmitted.EntryIdFor(o.Pay.Carol)];
        Assert.Equal(
            [(accepted[0], Main, "alice"), (accepted[1], Main, "bob"), (accepted[2], Main, "carol")],
            o.Entries);
        Assert.Equal(accepted.Order(StringComparer.Ordinal),
            o.Lifecycle.Where(m => m.Type == EntryAccepted.MessageType)
                .Select(m => m.Body.GetProperty("entryId").GetString()!).Order(StringComparer.Ordinal));
        var closed = Assert.Single(o.Lifecycle, m => m.Type == EntriesClosed.MessageType && m.Key == Main).Body;
        Assert.Equal(3, closed.GetProperty("entryCount").GetInt32());
        foreach (var pi in new[] { o.Pay.Alice, o.Pay.Bob, o.Pay.Carol }) Assert.Empty(o.RefundOrders(pi));
        Assert.Equal(
            [
                (1, accepted[1], "bob", 23_000L),   // qb2 8 + rb1 15
                (2, accepted[0], "alice", 22_000L), // qb1 12 + 8 + wr2 2
                (3, accepted[2], "carol", 4_000L),  // rb2 0 + wr1 4
            ],
            o.FinalStandings);
    }

    // ---- feed ---------------------------------------------------------------------------------

    [Fact]
    public async Task An_event_that_arrives_early_within_the_hold_time_is_held_and_applied_in_sequence_order()
    {
        var o = await ScenarioAsync();
        var g1 = o.Games.Where(m => m.Key == "g1").ToList();
        // Sent 1, 2, 3, 5, 4, ...: published in sequence order, each once, nothing skipped.
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8], g1.Select(m => m.Body.GetProperty("sequence").GetInt64()));
        Assert.Equal(g1.Select(m => m.Body.GetProperty("sequence").GetInt64())
            .Select(s => FeedMessageIds.GameFact("g1", s)),
            g1.Select(m => m.Headers[MessageHeaders.MessageId]));
        Assert.DoesNotContain(o.Alerts, a => a.Body.GetProperty("code").GetString() == "feed_gap");
        // Both the stat that waited (rb1, for bob) and the one that filled the gap (wr1, for carol) count.
        Assert.Contains(o.FinalStandings, s => s.PlayerId == "carol" && s.ScoreMilli == 4_000);
        Assert.Contains(o.FinalStandings, s => s.PlayerId == "bob" && s.ScoreMilli == 23_000);
    }

    [Fact]
    public async Task Re_sent_feed_events_are_dropped_quietly_and_never_overwrite_a_newer_total()
    {
        var o = await ScenarioAsync();
        // Sequence 3, 4 and 5 of g1 were each sent more than once; each is one fact on games.
        var g1 = o.Games.Where(m => m.Key == "g1").Select(m => m.Body.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(g1.Distinct().Count(), g1.Count);
        Assert.Equal(250, o.Games.Single(m => m.Headers[MessageHeaders.MessageId] == FeedMessageIds.GameFact("g1", 3))
            .Body.GetProperty("value").GetInt64());
        // An exact re-send is not bad input: no dead letter, no alert.
        Assert.Empty(o.FeedDeadLetters);
        Assert.DoesNotContain(o.Alerts, a => a.Body.GetProperty("subject").GetString() is "g1" or "g2");
        // The 250 yards re-sent after 300 did not take alice back: 300 yards (12) + 2 TD (8) + 4 receptions (2).
        Assert.Contains(o.FinalStandings, s => s.PlayerId == "alice" && s.ScoreMilli == 22_000);
    }

    // ---- live standings -----------------------------------------------------------------------

    [Fact]
    public async Task Live_standings_are_published_while_the_contest_is_live_and_follow_the_leader_and_the_feed()
    {
        var o = await ScenarioAsync();
        var live = o.LiveStandings(Main);
        var scored = live.Where(s => s.Leaders.Count > 0 && s.Leaders[0].ScoreMilli > 0).ToList();
        Assert.True(scored.Count >= 6, $"only {scored.Count} scored StandingsUpdated for {Main}");

        // Newer replaces older: versions grow, computedAt never goes back, and so does each game's feed position.
        Assert.All(live.Zip(live.Skip(1)), p =>
            Assert.True(p.Second.Version > p.First.Version, $"version {p.Second.Version} after {p.First.Version}"));
        Assert.All(live.Zip(live.Skip(1)), p => Assert.True(p.Second.ComputedAt >= p.First.ComputedAt));
        foreach (var game in new[] { "g1", "g2" })
            Assert.All(live.Zip(live.Skip(1)), p => Assert.True(At(p.Second, game) >= At(p.First, game),
                $"{game} asOf {At(p.Second, game)} after {At(p.First, game)}"));
        Assert.Superset(new HashSet<long> { 3, 5, 6, 7 }, scored.Select(s => At(s, "g1")).ToHashSet());
        Assert.Equal(4, At(scored[^1], "g2"));                             // the last stat of g2 was sequence 4
        Assert.All(live, s => Assert.Equal(3, s.EntryCount));

        // The lead changed hands as the stats came in: alice, bob, alice, bob.
        var leaders = scored.Select(s => s.Leaders[0].PlayerId).ToList();
        Assert.Equal(["alice", "bob", "alice", "bob"], leaders.Where((p, i) => i == 0 || leaders[i - 1] != p));
        // Every stat only added points, so no entry's published score ever went down (a re-sent older total would).
        foreach (var player in new[] { "alice", "bob", "carol" })
        {
            var scores = scored.Select(s => s.Leaders.Single(l => l.PlayerId == player).ScoreMilli).ToList();
            Assert.All(scores.Zip(scores.Skip(1)),
                p => Assert.True(p.Second >= p.First, $"{player}'s score went from {p.First} to {p.Second}"));
        }
        // Every scored board was computed while the contest was LIVE, and the last one is the final result.
        DateTimeOffset ChangedTo(string state) =>
            o.Lifecycle.Single(m => m.Key == Main && m.Type == ContestStateChanged.MessageType
            && m.Body.GetProperty("to").GetString() == state).Body.GetProperty("changedAt").GetDateTimeOffset();
        var (liveAt, completeAt) = (ChangedTo("LIVE"), ChangedTo("COMPLETE"));
        Assert.All(scored, s => Assert.InRange(s.ComputedAt, liveAt, completeAt));
        Assert.Equal(o.FinalStandings.Select(f => (f.PlayerId, f.ScoreMilli)),
            scored[^1].Leaders.Select(l => (l.PlayerId, l.ScoreMilli)));
    }
}
