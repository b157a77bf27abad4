using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Entries and referee end to end, as separate worker processes on a real database and
/// broker, with payments verified over HTTP against the Stripe-compatible server.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ContestFlowTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_fantasy_contest_runs_from_definition_to_complete_with_every_kind_of_entry_handled()
    {
        await using var run = await ContestRun.StartAsync(fixture);
        var lockAt = await run.LockTimeAsync();
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1", "wr1");
        run.World.Schedule("g2", 1, lockAt.AddMinutes(5), "qb2", "rb2", "wr2");
        run.Define(Fantasy("c1", lockAt, ["g1", "g2"]));

        var alice = run.World.Pay("c1", "alice", Fee);
        var bob = run.World.Pay("c1", "bob", Fee);
        var carol = run.World.Pay("c1", "carol", Fee);
        var declined = run.World.Pay("c1", "dave", Fee, status: "requires_payment_method");
        var aliceAgain = run.World.Pay("c1", "alice", Fee);
        var wrongAmount = run.World.Pay("c1", "erin", Fee - 1);
        run.World.Submit(Entry("s1", "c1", "alice", alice, "qb1", "wr2"));
        run.World.Submit(Entry("s2", "c1", "bob", bob, "qb2", "rb1"));
        run.World.Submit(Entry("s3", "c1", "carol", carol, "rb2", "wr1"));
        run.World.Submit(Entry("s4", "c1", "dave", declined, "qb1", "rb1"));
        run.World.Submit(Entry("s1-again", "c1", "alice", alice, "qb1", "wr2"));      // same payment: the same entry
        run.World.Submit(Entry("s5", "c1", "alice", aliceAgain, "qb2", "wr1"));       // over the per-player limit
        run.World.Submit(Entry("s6", "c1", "erin", wrongAmount, "qb1", "rb2"));

        await run.WaitForStateAsync("c1", "LOCKED");
        var late = run.World.Pay("c1", "frank", Fee);
        run.World.Submit(Entry("s7", "c1", "frank", late, "qb1", "rb1"));
        // Decided once its payment is known (no webhook receiver here: by the GET fallback).
        await Eventually.UntilAsync(() =>
            run.World.Read(Topics.ContestLifecycle).Any(m => m.Type == EntryRejected.MessageType
            && m.Body.GetProperty("submissionId").GetString() == "s7"), "the late submission s7 decided");

        await PlayBothGamesToCompleteAsync(run);

        var standings = await run.FinalStandingsAsync("c1");
        Assert.Equal(
            [
                (1, EntrySubmitted.EntryIdFor(alice), "alice", 23_000L), // qb1 20 + wr2 3
                (2, EntrySubmitted.EntryIdFor(bob), "bob", 15_000L),     // qb2 6 + rb1 9
                (3, EntrySubmitted.EntryIdFor(carol), "carol", 7_000L),  // rb2 3 + wr1 4
            ],
            standings);

        await AssertTheTimelineRefundsAndHashesAsync(run, declined, aliceAgain, late);
    }

    /// <summary>
    /// The contest's timeline: its transitions, the rejected submissions with their refunds (each ordered once), and
    /// the completion's hashes.
    /// </summary>
    private static async Task AssertTheTimelineRefundsAndHashesAsync(ContestRun run, string declined,
        string aliceAgain, string late)
    {
        // The database says COMPLETE a moment before the relay has published it.
        await WaitForTransitionAsync(run, "c1", "COMPLETE");
        var timeline = run.World.Read(Topics.ContestLifecycle).Where(m => m.Key == "c1").ToList();
        Assert.Equal(["SCHEDULED", "LOCKED", "LIVE", "COMPLETE"],
            timeline.Where(m => m.Type == ContestStateChanged.MessageType)
                .Select(m => m.Body.GetProperty("to").GetString()!).Prepend("SCHEDULED"));
        var rejected = timeline.Where(m => m.Type == EntryRejected.MessageType)
            .ToDictionary(m => m.Body.GetProperty("submissionId").GetString()!, m => (
                Reason: m.Body.GetProperty("reason").GetString()!, Refund: m.Body.GetProperty("refundId").GetString()));
        Assert.Equal(["s4", "s5", "s6", "s7"], rejected.Keys.Order());
        Assert.Null(rejected["s4"].Refund);                       // declined: nothing to refund
        Assert.NotNull(rejected["s5"].Refund);                    // verified payment, over the limit: refunded
        Assert.NotNull(rejected["s7"].Refund);                    // late: refunded
        Assert.Contains("lock", rejected["s7"].Reason, StringComparison.OrdinalIgnoreCase);

        var refunds = run.World.Read(Topics.PayoutsDue).Where(m => m.Type == "RefundOrdered")
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).ToList();
        Assert.Equal(refunds.Distinct().Count(), refunds.Count);
        Assert.Contains(aliceAgain, refunds);
        Assert.Contains(late, refunds);
        Assert.DoesNotContain(declined, refunds);

        var completed = Assert.Single(timeline, m => m.Type == ContestCompleted.MessageType).Body;
        var (standingsHash, inputsHash) = await run.HashesAsync("c1");
        Assert.Equal(standingsHash, completed.GetProperty("standingsHash").GetString());
        Assert.Equal(inputsHash, completed.GetProperty("inputsHash").GetString());
        Assert.Equal(3, completed.GetProperty("entryCount").GetInt32());
    }

    /// <summary>Both games played, with stats that score as the comments say, to COMPLETE.</summary>
    private static async Task PlayBothGamesToCompleteAsync(ContestRun run)
    {
        run.World.Start("g1", 2);
        await run.WaitForStateAsync("c1", "LIVE");
        run.World.Stat("g1", 3, "qb1", "passing_yards", 250);   // 10.000
        run.World.Stat("g1", 4, "qb1", "passing_touchdowns", 2); // 8.000
        run.World.Stat("g1", 5, "rb1", "rushing_yards", 90);     // 9.000
        run.World.Stat("g1", 6, "wr1", "receiving_yards", 40);   // 4.000
        run.World.Stat("g1", 7, "qb1", "passing_yards", 300);    // cumulative: 12.000, not 22.000
        run.World.End("g1", 8);
        run.World.Start("g2", 2);
        run.World.Stat("g2", 3, "qb2", "passing_yards", 200);    // 8.000
        run.World.Stat("g2", 4, "qb2", "interceptions", 1);      // -2.000
        run.World.Stat("g2", 5, "wr2", "receptions", 6);         // 3.000
        run.World.Stat("g2", 6, "rb2", "rushing_yards", 30);     // 3.000
        run.World.End("g2", 7);
        await run.WaitForStateAsync("c1", "COMPLETE");
    }

    [Fact]
    public async Task A_fitness_challenge_scores_each_player_on_their_own_stats()
    {
        await using var run = await ContestRun.StartAsync(fixture);
        var lockAt = await run.LockTimeAsync();
        run.World.Schedule("week47", 1, lockAt.AddMinutes(1), "ann", "ben", "cat");
        run.Define(Fitness("steps47", lockAt, "week47"));
        foreach (var p in new[] { "ann", "ben", "cat" })
            run.World.Submit(Entry("f-" + p, "steps47", p, run.World.Pay("steps47", p, Fee)));

        await run.WaitForStateAsync("steps47", "LOCKED");
        run.World.Start("week47", 2);
        run.World.Stat("week47", 3, "ann", "steps", 12_000);
        run.World.Stat("week47", 4, "ben", "steps", 15_500);
        run.World.Stat("week47", 5, "cat", "steps", 9_000);
        run.World.Stat("week47", 6, "cat", "active_minutes", 80);   // 9.000 + 8.000
        run.World.Correct("week47", 7, "ann", "steps", 16_000);      // a correction before COMPLETE re-scores
        run.World.End("week47", 8);
        await run.WaitForStateAsync("steps47", "COMPLETE");

        var standings = await run.FinalStandingsAsync("steps47");
        Assert.Equal([("cat", 17_000L, 1), ("ann", 16_000L, 2), ("ben", 15_500L, 3)],
            standings.Select(s => (s.PlayerId, s.ScoreMilli, s.Rank)));

        // After COMPLETE a correction is recorded and alerted; the result stands.
        run.World.Correct("week47", 9, "ben", "steps", 30_000);
        await Eventually.UntilAsync(() => run.World.Read(Topics.Alerts)
            .Any(a => a.Body.GetProperty("code").GetString() == "correction_after_complete"),
            "the correction-after-complete alert");
        Assert.Equal(standings, await run.FinalStandingsAsync("steps47"));

        // ... and reported as a diff: what the correction would have changed, money untouched.
        await Eventually.UntilAsync(() =>
            run.World.Read(Topics.Standings).Any(m => m.Type == StandingsCorrectionReported.MessageType),
            "the correction's standings diff");
        var message = Assert.Single(run.World.Read(Topics.Standings),
            m => m.Type == StandingsCorrectionReported.MessageType);
        Assert.Equal(("steps47", "standings:steps47:correction:week47:9"),
            (message.Key, message.Headers[MessageHeaders.MessageId]));
        var report = message.Body.Deserialize<StandingsCorrectionReported>(OutgoingMessage.Json)!;
        Assert.Equal(new StatCorrectionRecorded("week47", 9, "ben", "steps", 15_500, 30_000), report.Correction);
        Assert.Equal((1, 3), (report.CorrectionsSoFar, report.ChangedCount));
        Assert.Equal(
            [("ann", 2, 16_000L, 3, 16_000L), ("ben", 3, 15_500L, 1, 30_000L), ("cat", 1, 17_000L, 2, 17_000L)],
            report.Changes.Select(c => (c.PlayerId, c.FinalRank, c.FinalScoreMilli, c.CorrectedRank,
                c.CorrectedScoreMilli)).OrderBy(c => c.PlayerId));
        var completed = run.World.Read(Topics.ContestLifecycle)
            .Single(m => m.Key == "steps47" && m.Type == ContestCompleted.MessageType);
        Assert.Equal(completed.Body.GetProperty("standingsHash").GetString(), report.FinalStandingsHash);
        Assert.NotEqual(report.FinalStandingsHash, report.CorrectedStandingsHash);
        Assert.Equal(standings, await run.FinalStandingsAsync("steps47"));
    }

    [Fact]
    public async Task A_contest_defined_before_the_feed_schedules_its_games_waits_for_them_and_is_then_scheduled()
    {
        await using var run = await ContestRun.StartAsync(fixture);
        var lockAt = DateTimeOffset.UtcNow.AddMinutes(10);
        run.World.Define(Fantasy("early", lockAt, ["g-later"]));
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('ingestion.parked_contests') IS NOT NULL")
                && await conn.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM ingestion.parked_contests WHERE contest_id = 'early'") == 1;
        }, "the definition parked");
        Assert.Null(await run.StateAsync("early"));

        run.World.Schedule("g-later", 1, lockAt.AddMinutes(30), "qb1", "rb1");
        await run.WaitForStateAsync("early", "SCHEDULED");
        Assert.Empty(run.World.Read(Topics.DeadLetter(Topics.Contests)));
    }

    [Fact]
    public async Task An_under_filled_contest_is_cancelled_at_lock()
    {
        await using var run = await ContestRun.StartAsync(fixture);
        var lockAt = await run.LockTimeAsync();
        run.World.Schedule("g9", 1, lockAt.AddMinutes(5), "a", "b", "c");
        run.Define(Fantasy("small", lockAt, ["g9"], minEntries: 3));
        run.World.Submit(Entry("u1", "small", "p1", run.World.Pay("small", "p1", Fee), "a", "b"));
        await run.WaitForStateAsync("small", "CANCELLED");
        await WaitForTransitionAsync(run, "small", "CANCELLED");
        var reason = run.World.Read(Topics.ContestLifecycle).Last(m => m.Type == ContestStateChanged.MessageType)
            .Body.GetProperty("reason").GetString();
        Assert.Equal("under-filled: 1 entries at lock, minimum 3", reason);
    }

    [Fact]
    public async Task
        Invalid_contests_and_feed_events_are_dead_lettered_with_every_reason_and_accepted_data_is_unchanged()
    {
        await using var run = await ContestRun.StartAsync(fixture);
        var lockAt = DateTimeOffset.UtcNow.AddMinutes(10);
        run.World.Schedule("g1", 1, lockAt.AddMinutes(30), "qb1", "rb1");
        var good = Fantasy("ok", lockAt, ["g1"]);
        run.Define(good);
        run.Define(expectAccepted: false, d: good with
        {
            ContestId = "bad",
            PrizeTable = new PrizeTable(PrizeTableKinds.CustomPercentages, PercentagesBp: [6_000, 3_000]),
            ScoringRules = [new ScoringRule("yardz", 10)],
            LockAt = lockAt.AddHours(1),
            EntryFeeMinor = -5,
        });
        run.Define(good with { Title = "changed" }, expectAccepted: false);   // same id, other content
        // A game in play that no contest covers takes the hostile feed events.
        run.World.Schedule("g2", 1, lockAt.AddMinutes(30), "qb2", "rb2");
        run.World.Start("g2", 2);
        run.World.Stat("nope", 1, "x", "passing_yards", 10);                              // unknown game
        run.World.Stat("g2", 3, "ghost", "passing_yards", 10);                            // athlete not on the roster
        run.World.Stat("g2", 4, "qb2", "passing_yards", -4);                              // negative
        run.World.Stat("g2", 5, "qb2", "passing_yards", 50_000_000);                      // absurd
        run.World.Schedule("g3", 1, lockAt.AddMinutes(30), "qb3");
        run.World.End("g3", 2);                                                           // final before a start
        run.World.PublishRaw(Topics.ProviderFeed, "g2", "{oops"u8.ToArray(),
            ContestPipeline.Plumbing.Messaging.OutgoingMessage.EnvelopeHeaders(
                new Envelope("feed:g2:junk", "StatUpdated", 1, "x", null, DateTimeOffset.UtcNow)));

        await Eventually.UntilAsync(() => run.World.Read(Topics.DeadLetter(Topics.Contests)).Count >= 2
            && run.World.Read(Topics.DeadLetter(Topics.ProviderFeed)).Count >= 6,
            "the dead letters");
        var contestReasons = run.World.Read(Topics.DeadLetter(Topics.Contests))
            .Select(d => d.Headers[MessageHeaders.DeadLetterReason]).ToList();
        var bad = Assert.Single(contestReasons, r => r.StartsWith("contest bad rejected", StringComparison.Ordinal));
        Assert.Contains("10,000", bad);          // percentages
        Assert.Contains("yardz", bad);            // unknown stat
        Assert.Contains("lockAt", bad);           // lock after the game starts
        Assert.Contains("entryFeeMinor", bad);    // negative fee
        Assert.Single(contestReasons,
            r => r.Contains("already defined with different content", StringComparison.Ordinal));

        var feedReasons = run.World.Read(Topics.DeadLetter(Topics.ProviderFeed))
            .Select(d => d.Headers[MessageHeaders.DeadLetterReason]).ToList();
        Assert.True(feedReasons.Count == 6, string.Join(Environment.NewLine, feedReasons));
        Assert.Contains(feedReasons, r => r.Contains("nope", StringComparison.Ordinal));
        Assert.Contains(feedReasons, r => r.Contains("ghost", StringComparison.Ordinal));
        Assert.Contains(feedReasons, r => r.Contains("-4", StringComparison.Ordinal));
        Assert.Contains(feedReasons, r =>
            r.Contains("50,000,000", StringComparison.Ordinal) || r.Contains("50000000", StringComparison.Ordinal));
        Assert.Contains(feedReasons, r => r.StartsWith("GameEnded for game g3", StringComparison.Ordinal));
        Assert.Contains(feedReasons, r => r.StartsWith("unreadable body", StringComparison.Ordinal));
        // Every dead letter was alerted once: the consume loop's as dead_letter, the feed's refusals as stat_rejected.
        var alertCodes = run.World.Read(Topics.Alerts).Select(a => a.Body.GetProperty("code").GetString()).ToList();
        Assert.Equal(contestReasons.Count + feedReasons.Count,
            alertCodes.Count(c => c is "dead_letter" or "stat_rejected"));

        // What was accepted is untouched: the good contest is scheduled once, game g2 still takes facts.
        Assert.Single(run.World.Read(Topics.ContestLifecycle),
            m => m.Type == ContestScheduled.MessageType && m.Key == "ok");
        Assert.Equal("SCHEDULED", await run.StateAsync("ok"));
        Assert.Null(await run.StateAsync("bad"));
        run.World.Stat("g2", 6, "qb2", "passing_yards", 10);
        await Eventually.UntilAsync(() =>
            run.World.Read(Topics.Games).Any(g => g.Key == "g2" && g.Body.ValueKind == JsonValueKind.Object
            && g.Body.TryGetProperty("sequence", out var s) && s.GetInt64() == 6), "g2's next fact on games");
    }

    /// <summary>The database records a transition a moment before the relay has published it.</summary>
    private static Task WaitForTransitionAsync(ContestRun run, string contestId, string to) =>
        Eventually.UntilAsync(() => run.World.Read(Topics.ContestLifecycle).Any(m =>
                m.Key == contestId && m.Type == ContestStateChanged.MessageType
                    && m.Body.GetProperty("to").GetString() == to),
            $"{contestId} -> {to} on the timeline");
}
