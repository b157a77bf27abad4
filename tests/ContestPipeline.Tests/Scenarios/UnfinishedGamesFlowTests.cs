using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// A slate's bad days through the real workers: a game postponed past the slate's end, two
/// suspended at it and resumed after (one's resumption arriving before its contest completes,
/// the other's after), one still in play after it, two cancelled (one in play, one before it
/// started), under both rules for unfinished games. Times
/// in the feed are the provider's, set by the test, so the rule sees the same facts whenever
/// they arrive.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class UnfinishedGamesFlowTests(PipelineFixture fixture)
{
    private static readonly TimeSpan SlateLength = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task
        Unfinished_games_are_scored_as_played_or_cancel_the_contest_as_its_rule_says_and_nothing_is_stuck_silently()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement", "payout");
        var world = run.World;
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 30);
        var slateEnd = lockAt + SlateLength;
        DefineTheSlate(run, lockAt, slateEnd);
        var refunded = await EnterEveryContestAsync(run);
        await PlayPostponeSuspendAndCancelAsync(run, lockAt, slateEnd);
        await AssertTheDefaultRulesAsync(run);

        // g2 is played on its new date: nothing of it is pp's, and none of it is a correction of pp's result.
        world.Start("g2", 3, lockAt.AddDays(3));
        world.Stat("g2", 4, "qb2", "passing_yards", 500);
        world.End("g2", 5, lockAt.AddDays(3).AddHours(3));

        // Both complete at the slate's end with their suspended game as it was suspended; then g3 resumes too.
        await run.WaitForStateAsync("susp-a", "COMPLETE", TimeSpan.FromSeconds(90));
        await run.WaitForStateAsync("susp-b", "COMPLETE");
        world.Resume("g3", 6, slateEnd.AddHours(1));
        world.Stat("g3", 7, "qb3", "passing_yards", 1_000);
        world.End("g3", 8, slateEnd.AddHours(2));
        // The same facts arriving before or after the result give the same standings.
        Assert.Equal([("dan", 15_000L), ("carol", 14_000L)], Scores(await run.FinalStandingsAsync("susp-a")));
        Assert.Equal([("fay", 15_000L), ("eve", 14_000L)], Scores(await run.FinalStandingsAsync("susp-b")));
        await AssertHeldLiveUntilTheProviderEndsItAsync(run);
        await AssertRefundedOnceAndTheirLedgerClosedAsync(run, refunded);

        // Each path was taken: susp-b kept g5's values when its resumption came before the result; pp's and susp-a's
        // results were fixed first.
        await using (var conn = await run.Iso.DataSource.OpenConnectionAsync())
            Assert.Equal([("pp", "g2", false), ("susp-a", "g3", false), ("susp-b", "g5", true)],
                (await Dapper.SqlMapper.QueryAsync<(string, string, bool)>(conn,
                "SELECT contest_id, game_id, snapshot FROM scoring.contest_game_freezes ORDER BY contest_id"))
                .ToList());
        var alerts = world.Read(Topics.Alerts);
        Assert.DoesNotContain(alerts, a => a.Body.GetProperty("code").GetString() == "correction_after_complete"
            && a.Body.GetProperty("subject").GetString() is "pp" or "susp-a" or "susp-b" or "canc");
        Assert.Empty(world.Read(Topics.DeadLetter(Topics.ProviderFeed)));
        Assert.Empty(world.Read(Topics.DeadLetter(Topics.Games)));
    }

    /// <summary>Seven games and seven contests over them, each with its rule for unfinished games.</summary>
    private static void DefineTheSlate(ContestRun run, DateTimeOffset lockAt, DateTimeOffset slateEnd)
    {
        var world = run.World;
        world.Schedule("g1", 1, lockAt, "qb1", "rb1");
        world.Schedule("g2", 1, lockAt, "qb2", "rb2");
        world.Schedule("g3", 1, lockAt, "qb3", "rb3");
        world.Schedule("g4", 1, lockAt, "qb4", "rb4");
        world.Schedule("g5", 1, lockAt, "qb5", "rb5");
        world.Schedule("g6", 1, lockAt, "qb6", "rb6");
        world.Schedule("g7", 1, lockAt, "qb7", "rb7");
        // pp and pp-cancel keep the default slate end (a day after the games' start); the others end it soon.
        run.Define(Fantasy("pp", lockAt, ["g1", "g2"]));
        run.Define(Fantasy("pp-cancel", lockAt, ["g1", "g2"])
            with { UnfinishedGames = UnfinishedGameRules.CancelAndRefund });
        run.Define(Fantasy("susp-a", lockAt, ["g1", "g3"]) with { SlateEndsAt = slateEnd });
        run.Define(Fantasy("susp-b", lockAt, ["g1", "g5"]) with { SlateEndsAt = slateEnd });
        run.Define(Fantasy("held", lockAt, ["g1", "g4"]) with { SlateEndsAt = slateEnd });
        // g6 is cancelled in play and g7 before it starts: canc scores them as played, canc-refund cancels.
        run.Define(Fantasy("canc", lockAt, ["g1", "g6", "g7"]));
        run.Define(Fantasy("canc-refund", lockAt, ["g1", "g6"])
            with { UnfinishedGames = UnfinishedGameRules.CancelAndRefund });
    }

    /// <summary>Two or three paid entries in each contest, then every contest LOCKED; the payments of the contests
    /// that will be cancelled.</summary>
    private static async Task<List<string>> EnterEveryContestAsync(ContestRun run)
    {
        var world = run.World;
        var refunded = new List<string>();
        void Enter(string contest, string player, params string[] lineup)
        {
            var payment = world.Pay(contest, player, Fee);
            if (contest is "pp-cancel" or "canc-refund") refunded.Add(payment);
            world.Submit(Entry("s-" + contest + "-" + player, contest, player, payment, lineup));
        }
        Enter("pp", "alice", "qb1", "qb2");
        Enter("pp", "bob", "rb1", "rb2");
        Enter("pp-cancel", "ivy", "qb1", "qb2");
        Enter("pp-cancel", "jo", "rb1", "rb2");
        Enter("susp-a", "carol", "qb1", "qb3");
        Enter("susp-a", "dan", "rb1", "rb3");
        Enter("susp-b", "eve", "qb1", "qb5");
        Enter("susp-b", "fay", "rb1", "rb5");
        Enter("held", "gus", "qb1", "qb4");
        Enter("held", "hal", "rb1", "rb4");
        Enter("canc", "kim", "qb6", "rb7");
        Enter("canc", "lee", "qb1", "rb6");
        Enter("canc", "mia", "qb7", "rb1");
        Enter("canc-refund", "ned", "qb1", "qb6");
        Enter("canc-refund", "oli", "rb1", "rb6");
        foreach (var c in new[] { "pp", "pp-cancel", "susp-a", "susp-b", "held", "canc", "canc-refund" })
            await run.WaitForStateAsync(c, "LOCKED");
        return refunded;
    }

    /// <summary>
    /// The games played, then g2 postponed, g3 and g5 suspended (g5 resumed after the slate's end), g6 and g7
    /// cancelled, and g1 ended: pp-cancel and canc-refund are cancelled on the way.
    /// </summary>
    private static async Task PlayPostponeSuspendAndCancelAsync(ContestRun run, DateTimeOffset lockAt,
        DateTimeOffset slateEnd)
    {
        var world = run.World;

        world.Start("g1", 2, lockAt.AddSeconds(1));
        world.Stat("g1", 3, "qb1", "passing_yards", 250);   // 10.000
        world.Stat("g1", 4, "rb1", "rushing_yards", 50);    // 5.000
        world.Start("g3", 2, lockAt.AddSeconds(1));
        world.Stat("g3", 3, "qb3", "passing_yards", 100);   // 4.000
        world.Stat("g3", 4, "rb3", "rushing_yards", 100);   // 10.000
        world.Start("g5", 2, lockAt.AddSeconds(1));
        world.Stat("g5", 3, "qb5", "passing_yards", 100);   // 4.000
        world.Stat("g5", 4, "rb5", "rushing_yards", 100);   // 10.000
        world.Start("g4", 2, lockAt.AddSeconds(1));
        world.Stat("g4", 3, "qb4", "passing_yards", 50);    // 2.000
        world.Start("g6", 2, lockAt.AddSeconds(1));
        world.Stat("g6", 3, "qb6", "passing_yards", 200);   // 8.000
        world.Stat("g6", 4, "rb6", "rushing_yards", 30);    // 3.000
        await run.WaitForStateAsync("pp-cancel", "LIVE");
        await run.WaitForStateAsync("canc-refund", "LIVE");

        // Weather: g2 moves to three days later, past both contests' slate end.
        world.Postpone("g2", 2, lockAt.AddDays(3), "stadium roof damage");
        await run.WaitForStateAsync("pp-cancel", "CANCELLED");
        world.Suspend("g3", 5, "lightning", lockAt.AddSeconds(5));
        // g5 goes as g3 does, but its resumption after the slate's end is known before its contest completes.
        world.Suspend("g5", 5, "lightning", lockAt.AddSeconds(5));
        world.Resume("g5", 6, slateEnd.AddHours(1));
        world.Stat("g5", 7, "qb5", "passing_yards", 1_000);
        world.End("g5", 8, slateEnd.AddHours(2));
        // g6 is called off in play, g7 before it started: canc-refund is cancelled at once; canc waits for g1.
        world.CancelGame("g6", 5, "floodlight failure", lockAt.AddSeconds(6));
        world.CancelGame("g7", 2, "team travel disrupted", lockAt.AddSeconds(7));
        await run.WaitForStateAsync("canc-refund", "CANCELLED");
        Assert.Equal("LIVE", await run.StateAsync("canc"));
        world.End("g1", 5, lockAt.AddSeconds(10));
    }

    /// <summary>The default rules, on a postponed game and on cancelled ones, and the cancels by the
    /// contests' own rule.</summary>
    private static async Task AssertTheDefaultRulesAsync(ContestRun run)
    {
        // The default rule: g2's athletes score zero and pp completes once g1 has ended.
        await run.WaitForStateAsync("pp", "COMPLETE");
        Assert.Equal([("alice", 10_000L), ("bob", 5_000L)], Scores(await run.FinalStandingsAsync("pp")));
        await WaitForTransitionAsync(run, "pp", "COMPLETE");
        Assert.Contains("game g2 postponed", Reason(run, "pp", "COMPLETE"), StringComparison.Ordinal);
        Assert.Contains("its athletes score zero", Reason(run, "pp", "COMPLETE"), StringComparison.Ordinal);
        Assert.Contains("cancel_and_refund", Reason(run, "pp-cancel", "CANCELLED"), StringComparison.Ordinal);
        Assert.Equal("LIVE", From(run, "pp-cancel", "CANCELLED"));
        Assert.Contains("game g6 cancelled at", Reason(run, "canc-refund", "CANCELLED"), StringComparison.Ordinal);
        Assert.Contains("cancel_and_refund", Reason(run, "canc-refund", "CANCELLED"), StringComparison.Ordinal);

        // The default rule on cancelled games: g6's athletes keep what they had, g7's score zero, and canc completes
        // once g1 has ended.
        await run.WaitForStateAsync("canc", "COMPLETE");
        Assert.Equal([("lee", 13_000L), ("kim", 8_000L), ("mia", 5_000L)],
            Scores(await run.FinalStandingsAsync("canc")));
        await WaitForTransitionAsync(run, "canc", "COMPLETE");
        Assert.Contains("game g6 cancelled at", Reason(run, "canc", "COMPLETE"), StringComparison.Ordinal);
        Assert.Contains("its athletes score what they had", Reason(run, "canc", "COMPLETE"), StringComparison.Ordinal);
        Assert.Contains("game g7 cancelled at", Reason(run, "canc", "COMPLETE"), StringComparison.Ordinal);
        Assert.Contains("its athletes score zero", Reason(run, "canc", "COMPLETE"), StringComparison.Ordinal);
    }

    private static async Task AssertHeldLiveUntilTheProviderEndsItAsync(ContestRun run)
    {
        var world = run.World;
        // g4 is still in play by the feed: held LIVE, with a critical alert naming it, until the provider ends it.
        var held = await Eventually.UntilAsync(() => world.Read(Topics.Alerts)
            .FirstOrDefault(a => a.Body.GetProperty("code").GetString() == "contest_held_live"),
            a => a is not null, "the critical alert that g4 holds contest held LIVE");
        Assert.Equal(("critical", "held"),
            (held!.Body.GetProperty("severity").GetString(), held.Body.GetProperty("subject").GetString()));
        Assert.Contains("game g4 is still in play", held.Body.GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.Equal("LIVE", await run.StateAsync("held"));
        world.End("g4", 4);
        await run.WaitForStateAsync("held", "COMPLETE");
        Assert.Equal([("gus", 12_000L), ("hal", 5_000L)], Scores(await run.FinalStandingsAsync("held")));
    }

    private static async Task AssertRefundedOnceAndTheirLedgerClosedAsync(ContestRun run, List<string> refunded)
    {
        var world = run.World;
        // pp-cancel's and canc-refund's entries are refunded at Stripe, each exactly once.
        await Eventually.UntilAsync(() =>
            refunded.All(pi => run.Stripe.Ledger().Refunds.Any(r => r.PaymentIntent == pi)),
            "pp-cancel's and canc-refund's refunds at Stripe");
        await run.ReadToEndAsync();
        Assert.Equal(refunded.Order(StringComparer.Ordinal),
            run.Stripe.Ledger().Refunds.Where(r => refunded.Contains(r.PaymentIntent)).Select(r => r.PaymentIntent)
                .Order(StringComparer.Ordinal));
        Assert.Equal(refunded.Order(StringComparer.Ordinal), world.Read(Topics.PayoutsDue)
            .Where(m => m.Type == RefundOrdered.MessageType && m.Key is "pp-cancel" or "canc-refund")
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order(StringComparer.Ordinal));
        // Their ledger is closed: every fee taken went back, and the book balances.
        await using (var conn = await run.Iso.DataSource.OpenConnectionAsync())
        {
            foreach (var contest in new[] { "pp-cancel", "canc-refund" })
            {
                Assert.Equal("CANCELLED", await run.SettlementStateAsync(contest));
                Assert.Empty(await LedgerCheckStore.ContestAsync(conn, contest));
                Assert.Equal(0, (await LedgerCheckStore.ContestBalancesAsync(conn, contest))
                    .Single(b => b.Account == Accounts.EntryFees(contest)).BalanceMinor);
            }
            Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        }
    }

    private static List<(string Player, long Score)> Scores(
        List<(int Rank, string EntryId, string PlayerId, long ScoreMilli)> standings) =>
        [.. standings.Select(s => (s.PlayerId, s.ScoreMilli))];

    private static Task WaitForTransitionAsync(ContestRun run, string contestId, string to) =>
        Eventually.UntilAsync(() => Transition(run, contestId, to) is not null,
            $"{contestId}'s {to} on contest.lifecycle");

    private static System.Text.Json.JsonElement? Transition(ContestRun run, string contestId, string to) =>
        run.World.Read(Topics.ContestLifecycle)
            .Where(m => m.Key == contestId && m.Type == ContestStateChanged.MessageType
            && m.Body.GetProperty("to").GetString()
                == to).Select(m => (System.Text.Json.JsonElement?)m.Body).FirstOrDefault();

    private static string Reason(ContestRun run, string contestId, string to) =>
        Eventually.Until(() => Transition(run, contestId, to), t => t is not null,
            $"{contestId}'s {to}")!.Value.GetProperty("reason").GetString()!;

    private static string From(ContestRun run, string contestId, string to) =>
        Eventually.Until(() => Transition(run, contestId, to), t => t is not null,
            $"{contestId}'s {to}")!.Value.GetProperty("from").GetString()!;
}
