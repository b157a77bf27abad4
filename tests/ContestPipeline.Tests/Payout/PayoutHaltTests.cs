using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Npgsql;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The emergency stop on its own topic: a halt reaches Payout while the consumer of
/// payouts.due cannot move, and a resume ends only the halt in force, named by id. The payout
/// worker as a real process, the local broker, Postgres and the Stripe-compatible server.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PayoutHaltTests(PipelineFixture fixture)
{
    private static void Decide(PayoutHarness h, string topic, string id, string action, string? ends = null) =>
        h.World.Publish(topic, PayoutDispatchDecided.Key, PayoutDispatchDecided.MessageType,
            PayoutDispatchDecided.MessageIdFor(id),
            new PayoutDispatchDecided(id, action, "test-admin", "incident drill", DateTimeOffset.UtcNow, ends));

    private static Task WaitForDispatchAsync(PayoutHarness h, bool halted, string decisionId) =>
        h.WaitForAsync($"dispatch {(halted ? "halted" : "running")} by {decisionId}",
            "SELECT EXISTS (SELECT 1 FROM payout.dispatch WHERE halted = @halted AND decision_id = @decisionId)",
            new { halted, decisionId }, 60);

    private static List<(string MessageId, string Reason)> ControlDeadLetters(PayoutHarness h) =>
        [.. h.World.Read(Topics.DeadLetter(Topics.PayoutsControl))
            .Select(m => (m.Headers[MessageHeaders.MessageId], m.Headers[MessageHeaders.DeadLetterReason]))];

    private static async Task<string> ControlDeadLetterAsync(PayoutHarness h, string id)
    {
        var messageId = PayoutDispatchDecided.MessageIdFor(id);
        await Eventually.UntilAsync(() => Task.FromResult(ControlDeadLetters(h).Any(d => d.MessageId == messageId)),
            $"{messageId} dead-lettered",
            TimeSpan.FromSeconds(30));
        return ControlDeadLetters(h).Last(d => d.MessageId == messageId).Reason;
    }

    [Fact]
    public async Task A_halt_applies_while_payouts_due_is_blocked_and_a_resume_ends_only_the_halt_in_force()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        await h.World.SignUpForPayoutsAsync("ann");
        await h.WaitForAsync("Payout's tables", "SELECT to_regclass('payout.halts') IS NOT NULL");

        // payouts.due cannot move: every partition's inbox lock of the orders consumer is held,
        // as a consumer stopped on a message or far behind would leave it.
        await using var blocker = await h.Run.Iso.DataSource.OpenConnectionAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        for (var p = 0; p < Topics.PartitionCountDefault; p++)
        {
            await using var take = new NpgsqlCommand(
                "SELECT pg_advisory_xact_lock(hashtextextended(@k, 0))", blocker, blocking);
            take.Parameters.AddWithValue("k", $"payout.orders/{Topics.PayoutsDue}/{p}");
            await take.ExecuteNonQueryAsync();
        }
        var order = PayoutHarness.Order("ch", "ann", 1_000);
        h.Publish(order);

        Decide(h, Topics.PayoutsControl, "h1", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "h1");
        Assert.Null(await h.StateAsync(order.PayoutId));
        await blocking.RollbackAsync();
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Waiting);

        // A resume that names no halt, or another one, is refused and changes nothing.
        Decide(h, Topics.PayoutsControl, "r0", PayoutDispatchDecided.Resume, ends: "h0");
        Assert.Equal("dispatch decision r0 (resume by test-admin) refused: it ends halt h0, which was never applied; " +
            "the halt in force is h1: " +
            "look again and resume that one if it should end", await ControlDeadLetterAsync(h, "r0"));
        Decide(h, Topics.PayoutsControl, "r1", PayoutDispatchDecided.Resume, ends: "h1");
        await WaitForDispatchAsync(h, halted: false, "r1");
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        // Sent only after the halt ended: the halt held it although it arrived before the order was read.
        Assert.True(await h.ScalarAsync<bool>(
            "SELECT p.paid_at >= t.ended_at FROM payout.payouts p, payout.halts t WHERE p.payout_id = @PayoutId "
            + "AND t.halt_id = 'h1'", order));

        // A later halt; the same resume sent again (a re-drive, a replay under a new id) ends nothing.
        Decide(h, Topics.PayoutsControl, "h2", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "h2");
        Decide(h, Topics.PayoutsControl, "r1-again", PayoutDispatchDecided.Resume, ends: "h1");
        Assert.Equal("dispatch decision r1-again (resume by test-admin) refused: it ends halt h1, which r1 ended; " +
            "the halt in force is h2: " +
            "look again and resume that one if it should end", await ControlDeadLetterAsync(h, "r1-again"));

        // payouts.due as before: a halt from there applies (superseding h2), a resume from there never does.
        Decide(h, Topics.PayoutsDue, "h3", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "h3");
        Decide(h, Topics.PayoutsDue, "r3-old", PayoutDispatchDecided.Resume);
        Assert.StartsWith(
            "dispatch decision r3-old (resume by test-admin) refused: a resume on payouts.due is no longer applied",
            await h.DeadLetterReasonAsync(PayoutDispatchDecided.MessageIdFor("r3-old")), StringComparison.Ordinal);
        Decide(h, Topics.PayoutsControl, "r2", PayoutDispatchDecided.Resume, ends: "h2");
        Assert.Equal("dispatch decision r2 (resume by test-admin) refused: it ends halt h2, " +
            "which a later halt superseded; the halt in force is h3: " +
            "look again and resume that one if it should end", await ControlDeadLetterAsync(h, "r2"));
        Assert.True(await h.ScalarAsync<bool>("SELECT halted AND decision_id = 'h3' FROM payout.dispatch"));

        Decide(h, Topics.PayoutsControl, "r3", PayoutDispatchDecided.Resume, ends: "h3");
        await WaitForDispatchAsync(h, halted: false, "r3");
        Assert.True(h.Alerted("dead_letter"), "a refused resume is alerted");
        // What Payout said, in order (its outbox relays the last one a moment after it committed).
        List<string> Changes() => [.. h.World.Read(Topics.PayoutsStatus)
            .Where(m => m.Type == PayoutDispatchChanged.MessageType)
            .Select(m => m.Body.GetProperty("decisionId").GetString()!)];
        await Eventually.UntilAsync(() => Task.FromResult(Changes().Contains("r3")), "PayoutDispatchChanged of r3",
            TimeSpan.FromSeconds(30));
        Assert.Equal(["h1", "r1", "h2", "h3", "r3"], Changes());
    }

    [Fact]
    public async Task A_round_claimed_ahead_waits_for_the_round_sending_and_a_halt_since_its_claim_keeps_it_unsent()
    {
        // A round is a second at the instance's rate: at 1/s, one payout. The balance is empty at first, so the three
        // orders are all recorded, and held for it, before the first round is claimed.
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [ContestPipeline.Stripe.StripeServices.RateVariable] = "1" }, balance: 0);
        string[] players = ["ada", "bob", "cal"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        var orders = players.Select(p => PayoutHarness.Order("ca", p, 1_000)).ToList();
        foreach (var order in orders) h.Publish(order);
        await h.WaitForAsync("the three payouts held for the balance",
            "SELECT count(*) = 3 FROM payout.payouts WHERE state = 'held' AND hold_kind = 'balance'");

        // Stripe makes each transfer at once and answers 10 s later: the first round sends, and its calls are in
        // flight.
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDelayed, "POST", "/v1/transfers", Count: 10,
            Delay: TimeSpan.FromSeconds(10)));
        h.Stripe.TopUp(10_000_000, "usd");
        int Posts() => h.Stripe.Requests().Count(q => q is { Method: "POST", Path: "/v1/transfers" });
        // The next round is claimed while the first sends, not after it, and is not sent before the first is done.
        await Eventually.UntilAsync(() => Task.FromResult(Posts()), n => n == 1, "the first round's transfer sent",
            TimeSpan.FromSeconds(6));
        await h.WaitForAsync("a second payout claimed while the first one's transfer is in flight",
            "SELECT count(*) = 2 FROM payout.payouts WHERE state = 'submitting'", seconds: 6);
        Assert.Equal(1, Posts());
        Assert.Equal(1, orders.Sum(o => h.TransfersOf(o.PayoutId).Count));

        // An emergency stop while the first round sends: the round claimed before it is not sent, and waits for the
        // resume with its key.
        Decide(h, Topics.PayoutsControl, "h-ahead", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "h-ahead");
        var first = orders.Single(o => h.TransfersOf(o.PayoutId).Count == 1);
        await h.WaitForStateAsync(first.PayoutId, PayoutStatusNames.Paid);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, Posts());
        Assert.Equal(1L, await h.ScalarAsync<long>("SELECT count(*) FROM payout.payouts WHERE state = 'submitting'"));

        h.Stripe.ClearFaults();
        Decide(h, Topics.PayoutsControl, "r-ahead", PayoutDispatchDecided.Resume, ends: "h-ahead");
        await WaitForDispatchAsync(h, halted: false, "r-ahead");
        foreach (var order in orders)
        {
            await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
            Assert.Single(h.TransfersOf(order.PayoutId));
        }
        Assert.Equal(3, Posts());
    }

    [Fact]
    public async Task A_halt_during_a_refund_round_keeps_its_unsent_refunds_for_the_resume()
    {
        // Eight entry fees to refund, ordered while halted so that one round claims them all.
        await using var h = await PayoutHarness.StartAsync(fixture);
        Decide(h, Topics.PayoutsControl, "h-ref", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "h-ref");
        var orders = Enumerable.Range(1, 8).Select(i =>
        {
            var payment = h.World.Pay("cr", $"p{i}", 1_000);
            return new RefundOrdered(RefundOrdered.RefundIdFor(payment), "cr", $"p{i}", payment, 1_000, "USD",
                "contest cancelled");
        }).ToList();
        h.World.CancelledByReferee("cr");
        foreach (var order in orders)
            h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "cr", RefundOrdered.MessageType, order.RefundId,
                order);
        // Each proven against its payment as Stripe answers it, before the resume, so that the round claims all eight.
        await h.WaitForAsync("the eight refunds recorded and proven",
            "SELECT count(*) = 8 FROM payout.refunds WHERE state = 'waiting' AND proven");

        // Stripe refunds at once and answers 8 s later: four calls are in flight and the round's other four wait.
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDelayed, "POST", "/v1/refunds", Count: 8,
            Delay: TimeSpan.FromSeconds(8)));
        Decide(h, Topics.PayoutsControl, "r-ref", PayoutDispatchDecided.Resume, ends: "h-ref");
        await WaitForDispatchAsync(h, halted: false, "r-ref");
        int Posts() => h.Stripe.Requests().Count(q => q is { Method: "POST", Path: "/v1/refunds" });
        await Eventually.UntilAsync(() => Task.FromResult(Posts()), n => n == 4, "four refunds sent",
            TimeSpan.FromSeconds(6));
        await h.WaitForAsync("the round's eight refunds claimed",
            "SELECT count(*) = 8 FROM payout.refunds WHERE state = 'submitting'",
            seconds: 6);

        // A halt while they are in flight: those sent are recorded, the four not sent wait for the resume.
        Decide(h, Topics.PayoutsControl, "h-ref2", PayoutDispatchDecided.Halt);
        await WaitForDispatchAsync(h, halted: true, "h-ref2");
        await h.WaitForAsync("the four refunds sent recorded",
            "SELECT count(*) = 4 FROM payout.refunds WHERE state = 'refunded'");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(4, Posts());
        Assert.Equal(4L, await h.ScalarAsync<long>("SELECT count(*) FROM payout.refunds WHERE state = 'submitting'"));

        h.Stripe.ClearFaults();
        Decide(h, Topics.PayoutsControl, "r-ref2", PayoutDispatchDecided.Resume, ends: "h-ref2");
        await WaitForDispatchAsync(h, halted: false, "r-ref2");
        await h.WaitForAsync("every refund made", "SELECT count(*) = 8 FROM payout.refunds WHERE state = 'refunded'");
        Assert.Equal(8, Posts());
        Assert.Equal(orders.Select(o => o.RefundId).Order(),
            h.Stripe.Ledger().Refunds.Select(r => r.IdempotencyKey).Order());
    }
}
