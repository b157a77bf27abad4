using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// An operator cancel of a contest with paid entries, racing what the pipeline does on its own:
/// the lock, with entries still arriving, and COMPLETE, with the last game ending. Whichever wins,
/// exactly one outcome holds and the money follows it: a cancelled contest refunds every payment it
/// took exactly once and orders no prize; a completed one refunds nothing and refuses the cancel.
/// Either way the contest's accounts close in the ledger and the book balances.
/// Both races run on one stack of every worker as processes (the two-person cancel as two operators'
/// signed requests, as cpctl and the console send them); on the same stack, one operator's key under two
/// names does not make two operators.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class CancelRaceTests
{
    private static readonly string[] Players = ["kim", "lou", "max", "ned", "oli", "pat"];

    [Fact]
    public async Task A_cancel_racing_the_lock_or_COMPLETE_has_one_winner_and_the_money_follows_it()
    {
        await using var stack = await OperationsStack.StartAsync("cancelrace");
        stack.StartWorkers();
        await CancelRacingTheLockAsync(stack);
        await CancelRacingCompleteAsync(stack);
        await OneOperatorUnderTwoNamesAsync(stack);
    }

    /// <summary>
    /// One operator's key sending the two requests under two names is one operator: the request naming another
    /// operator is refused (the name is the key's, never the body's) and nothing is cancelled or refunded; the second
    /// operator's own key then cancels it, and the fee is refunded once.
    /// </summary>
    private static async Task OneOperatorUnderTwoNamesAsync(OperationsStack stack)
    {
        const string contest = "two-names", game = "tn1";
        await ScheduleAsync(stack, game);
        stack.World.Define(Fantasy(contest, DateTimeOffset.UtcNow.AddMinutes(5), [game]));
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "SCHEDULED",
            $"{contest} SCHEDULED");
        var intent = stack.World.Pay(contest, "kim", Fee);
        stack.World.Submit(Entry($"s-{contest}-kim", contest, "kim", intent, "qb1", "rb1"));
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM ingestion.entries WHERE contest_id = @contest", new { contest }) == 1,
            $"{contest}'s entry accepted");

        CancelSignedBy(stack, contest, "feed provider outage", "ann", signedBy: "ann");
        var asBob = CancelSignedBy(stack, contest, "agreed", "bob", signedBy: "ann");
        string? reason = null;
        await stack.WaitAsync(() => Task.FromResult((reason = stack.World.Read(Topics.DeadLetter(Topics.Contests))
            .Where(m => m.Headers[MessageHeaders.MessageId] == asBob)
            .Select(m => m.Headers[MessageHeaders.DeadLetterReason]).FirstOrDefault()) is not null),
            "ann's request as bob refused");
        Assert.Contains("operator mismatch", reason, StringComparison.Ordinal);
        await using (var conn = await stack.DataSource.OpenConnectionAsync())
            Assert.Equal(["ann"], await conn.QueryAsync<string>(
                "SELECT operator FROM ingestion.cancel_approvals WHERE contest_id = @contest", new { contest }));
        Assert.DoesNotContain("CANCELLED", Transitions(stack, contest));

        stack.World.CancelAs(contest, "agreed", "bob");
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "CANCELLED",
            $"{contest} CANCELLED", 120);
        await RefundedOnceAsync(stack, contest, [intent]);
    }

    /// <summary>
    /// A cancel request naming <paramref name="operator"/>, signed with <paramref name="signedBy"/>'s own key.
    /// </summary>
    private static string CancelSignedBy(OperationsStack stack, string contest, string reason, string @operator,
        string signedBy)
    {
        var id = $"cancel:{contest}:{@operator}:signed-by-{signedBy}";
        var message = OutgoingMessage.Create(Topics.Contests, contest,
            new Envelope(id, ContestCancelRequested.MessageType, ContestCancelRequested.SchemaVersion, id, null,
                DateTimeOffset.UtcNow),
            new ContestCancelRequested(contest, reason, @operator));
        stack.World.PublishRaw(Topics.Contests, contest, message.Payload,
            stack.World.Sign(Producers.Operator, Topics.Contests, message.Key, message.Payload, message.Headers,
                signedBy));
        return id;
    }

    /// <summary>
    /// Entries are paid and submitted up to the lock and one after it; the two operators' cancel goes
    /// out at the lock. The cancel wins (a contest may be cancelled until COMPLETE): every payment
    /// taken, accepted before the cancel, decided after it, or late, is refunded once.
    /// </summary>
    private static async Task CancelRacingTheLockAsync(OperationsStack stack)
    {
        const string contest = "race-lock", game = "rl1";
        await ScheduleAsync(stack, game);
        var lockAt = DateTimeOffset.UtcNow.AddSeconds(8);
        stack.World.Define(Fantasy(contest, lockAt, [game]));
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "SCHEDULED",
            $"{contest} SCHEDULED");
        var paid = new List<string>();
        foreach (var player in Players)
        {
            var intent = stack.World.Pay(contest, player, Fee);
            paid.Add(intent);
            stack.World.Submit(Entry($"s-{contest}-{player}", contest, player, intent, "qb1", "rb1")
                with { SubmittedAt = DateTimeOffset.UtcNow });
            var due = lockAt - TimeSpan.FromSeconds(Players.Length - paid.Count);
            if (due > DateTimeOffset.UtcNow) await Task.Delay(due - DateTimeOffset.UtcNow);
        }
        if (lockAt > DateTimeOffset.UtcNow) await Task.Delay(lockAt - DateTimeOffset.UtcNow);
        stack.World.CancelAs(contest, "feed provider outage", "ann");
        stack.World.CancelAs(contest, "agreed", "bob");
        var late = stack.World.Pay(contest, "quin", Fee);
        paid.Add(late);
        stack.World.Submit(Entry($"s-{contest}-quin", contest, "quin", late, "qb1", "rb1")
            with { SubmittedAt = DateTimeOffset.UtcNow });

        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "CANCELLED",
            $"{contest} CANCELLED", 120);
        await RefundedOnceAsync(stack, contest, paid);
        Assert.DoesNotContain(stack.World.Read(Topics.PayoutsDue),
            m => m.Key == contest && m.Type == PrizePayoutOrdered.MessageType);
        Assert.DoesNotContain(Transitions(stack, contest), to => to == "COMPLETE");
        Assert.Equal("CANCELLED", await stack.LedgerClosedAsync(contest));
    }

    /// <summary>
    /// A LIVE contest's only game ends at the moment the two operators' cancel goes out. Either the
    /// referee recorded the cancel first (CANCELLED: every entry refunded once, no prize ordered) or
    /// COMPLETE came first (the cancel refused with a critical alert, nothing refunded): never both.
    /// </summary>
    private static async Task CancelRacingCompleteAsync(OperationsStack stack)
    {
        const string contest = "race-complete", game = "rc1";
        await ScheduleAsync(stack, game);
        stack.World.Define(Fantasy(contest, DateTimeOffset.UtcNow.AddSeconds(10), [game]));
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "SCHEDULED",
            $"{contest} SCHEDULED");
        var paid = Players.Take(3).Select(player =>
        {
            var intent = stack.World.Pay(contest, player, Fee);
            stack.World.Submit(Entry($"s-{contest}-{player}", contest, player, intent, "qb1", "rb1"));
            return intent;
        }).ToList();
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "LOCKED", $"{contest} LOCKED");
        stack.World.Start(game, 2);
        stack.World.Stat(game, 3, "qb1", "passing_yards", 300);
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(contest) == "LIVE", $"{contest} LIVE");

        stack.World.End(game, 4);
        stack.World.CancelAs(contest, "stadium flooded", "ann");
        stack.World.CancelAs(contest, "agreed", "bob");
        await stack.WaitAsync(async () =>
            await stack.ReadModelStateAsync(contest) is "CANCELLED" or "SETTLED" or "PAID",
            $"{contest} CANCELLED, or SETTLED after COMPLETE", 120);

        var transitions = Transitions(stack, contest);
        if (await stack.ReadModelStateAsync(contest) == "CANCELLED")
        {
            Assert.DoesNotContain("COMPLETE", transitions);
            await RefundedOnceAsync(stack, contest, paid);
            Assert.DoesNotContain(stack.World.Read(Topics.PayoutsDue),
                m => m.Key == contest && m.Type == PrizePayoutOrdered.MessageType);
            Assert.Equal("CANCELLED", await stack.LedgerClosedAsync(contest));
        }
        else
        {
            Assert.DoesNotContain("CANCELLED", transitions);
            await stack.WaitAsync(async () => await stack.ScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM operations.alerts WHERE severity = 'critical' AND message LIKE @refused)",
                new { refused = $"%cancel of contest {contest} refused%" }),
                "the cancel that lost refused with a critical alert");
            Assert.DoesNotContain(stack.Stripe.Ledger().Refunds, r => paid.Contains(r.PaymentIntent));
            Assert.DoesNotContain(stack.World.Read(Topics.PayoutsDue),
                m => m.Key == contest && m.Type == RefundOrdered.MessageType);
            Assert.Contains(await stack.LedgerClosedAsync(contest), new[] { "SETTLED", "PAID" });
        }
    }

    private static async Task ScheduleAsync(OperationsStack stack, string game)
    {
        stack.World.Schedule(game, 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1");
        await stack.WaitAsync(async () => await stack.TableExistsAsync("ingestion.games")
            && await stack.ScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = @game)", new { game }),
            $"{game} scheduled");
    }

    /// <summary>
    /// Every payment refunded on Stripe exactly once, in full, and no other refund made for the contest.
    /// </summary>
    private static async Task RefundedOnceAsync(OperationsStack stack, string contest, IReadOnlyCollection<string> paid)
    {
        await stack.WaitAsync(() =>
            Task.FromResult(stack.Stripe.Ledger().Refunds.Count(r => paid.Contains(r.PaymentIntent)) >= paid.Count),
            $"{paid.Count} refunds made on Stripe", 120);
        var refunds = stack.Stripe.Ledger().Refunds
            .Where(r => paid.Contains(r.PaymentIntent) || r.Metadata.GetValueOrDefault("contest_id") == contest)
            .ToList();
        Assert.Equal(paid.Order(StringComparer.Ordinal),
            refunds.Select(r => r.PaymentIntent).Order(StringComparer.Ordinal));
        Assert.All(refunds, r => Assert.Equal(Fee, r.Amount));
    }

    private static List<string> Transitions(OperationsStack stack, string contest) =>
        [.. stack.World.Read(Topics.ContestLifecycle)
            .Where(m => m.Key == contest && m.Type == ContestStateChanged.MessageType)
            .Select(m => m.Body.GetProperty("to").GetString()!)];
}
