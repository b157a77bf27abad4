using ContestPipeline.Tests.Stripe;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// A real slate's bad days, through one deployment shared by every step (the payout worker as a real process, the
/// local broker, Postgres, the Stripe-compatible server with its signed webhooks through the real receiver): a
/// payout to a recipient with a dispute or an outside refund on another entry fee within 30 days is held for review
/// with the reason, one whose dispute is older is sent; a dispute delivered again is counted once; three disputes
/// within 24 hours halt every payout, which one operator's resume does not end and two different operators' do.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class DisputeRulesThroughPayoutTests(PipelineFixture fixture)
{
    private static string Decide(PayoutHarness h, string id, string action, string @operator, string? ends = null)
    {
        h.World.Publish(Topics.PayoutsControl, PayoutDispatchDecided.Key, PayoutDispatchDecided.MessageType,
            PayoutDispatchDecided.MessageIdFor(id),
            new PayoutDispatchDecided(id, action, @operator, "disputes checked in Stripe", DateTimeOffset.UtcNow,
                ends));
        return id;
    }

    private static Task WaitForDispatchAsync(PayoutHarness h, bool halted, string decisionId) =>
        h.WaitForAsync($"dispatch {(halted ? "halted" : "running")} by {decisionId}",
            "SELECT EXISTS (SELECT 1 FROM payout.dispatch WHERE halted = @halted AND decision_id = @decisionId)",
            new { halted, decisionId }, 60);

    private static List<string> Alerts(PayoutHarness h, string code) =>
        [.. h.World.Read(Topics.Alerts).Where(m => m.Body.GetProperty("code").GetString() == code)
            .Select(m => m.Body.GetProperty("message").GetString()!)];

    /// <summary>A player's paid entry fee, known to Payout as theirs.</summary>
    private static async Task<string> PaidAsync(PayoutHarness h, string contest, string player)
    {
        var payment = h.World.Pay(contest, player, 1_000);
        await h.WaitForAsync($"{payment} known as {player}'s",
            "SELECT EXISTS (SELECT 1 FROM payout.payments WHERE payment_intent_id = @payment AND player_id = @player)",
            new { payment, player });
        return payment;
    }

    private static async Task<string> DisputedAsync(PayoutHarness h, string payment)
    {
        var dispute = h.Stripe.CreateDispute(payment);
        await h.WaitForAsync($"dispute {dispute} recorded",
            "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE freeze_id = @dispute)", new { dispute });
        return dispute;
    }

    [Fact]
    public async Task
        Recent_disputes_and_refunds_hold_for_review_and_three_disputes_in_a_day_halt_until_two_operators_resume()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["kim", "lou", "ned", "oli", "pat"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);

        var (kimDispute, louPayment) = await DisputeRefundAndOldDisputeAsync(h);
        var kim = await RecentHistoryHoldsForReviewAsync(h, kimDispute, louPayment);
        await ADisputeDeliveredAgainIsCountedOnceAsync(h, kimDispute);
        var (halt, pat) = await ThirdDisputeHaltsEveryPayoutAsync(h);
        await OneOperatorsResumesDoNotEndItAsync(h, halt, pat);

        // A second operator's resume ends it; the prize ordered meanwhile goes.
        Decide(h, "bob-1", PayoutDispatchDecided.Resume, "bob", ends: "ann-halt");
        await WaitForDispatchAsync(h, halted: false, "bob-1");
        await h.WaitForStateAsync(pat.PayoutId, PayoutStatusNames.Paid);
        Assert.Equal("bob-1",
            await h.ScalarAsync<string>("SELECT ended_by FROM payout.halts WHERE halt_id = 'ann-halt'"));
        Assert.Empty(h.World.Read(Topics.DeadLetter(Topics.PayoutsControl)));
        Assert.Equal(PayoutStatusNames.Held, (await h.RowAsync(kim.PayoutId)).State);
    }

    /// <summary>The players' history with their fees: kim's dispute and lou's refunded payment.</summary>
    private static async Task<(string KimDispute, string LouPayment)> DisputeRefundAndOldDisputeAsync(PayoutHarness h)
    {
        // kim disputed the fee of a contest she lost; lou's fee was refunded from Stripe's dashboard; ned disputed
        // one 31 days ago (dated back here as Stripe would have dated it).
        var kimDispute = await DisputedAsync(h, await PaidAsync(h, "lost-1", "kim"));
        var louPayment = await PaidAsync(h, "lost-1", "lou");
        await h.World.StripeClient.CreateRefundAsync(new RefundCreate(louPayment, 100), "dashboard-refund");
        await h.WaitForAsync("lou's refund recorded",
            "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE payment_intent_id = @louPayment)", new { louPayment });
        var nedDispute = await DisputedAsync(h, await PaidAsync(h, "lost-1", "ned"));
        await h.ExecuteAsync(
            "UPDATE payout.freezes SET occurred_at = occurred_at - interval '31 days' WHERE freeze_id = @nedDispute",
            new { nedDispute });
        return (kimDispute, louPayment);
    }

    /// <summary>
    /// kim's, lou's and ned's prizes: kim's and lou's held for review with the reason (which travels on
    /// payouts.status), ned's (his dispute too old) paid. kim's order.
    /// </summary>
    private static async Task<PrizePayoutOrdered> RecentHistoryHoldsForReviewAsync(PayoutHarness h, string kimDispute,
        string louPayment)
    {
        var kim = PayoutHarness.Order("won-1", "kim", 1_000, paymentIntent: await PaidAsync(h, "won-1", "kim"));
        var lou = PayoutHarness.Order("won-1", "lou", 900, rank: 2);
        var ned = PayoutHarness.Order("won-1", "ned", 800, rank: 3);
        foreach (var order in new[] { kim, lou, ned }) h.Publish(order);
        await h.WaitForStateAsync(kim.PayoutId, "held:" + HoldKinds.Review);
        await h.WaitForStateAsync(lou.PayoutId, "held:" + HoldKinds.Review);
        await h.WaitForStateAsync(ned.PayoutId, PayoutStatusNames.Paid);
        Assert.StartsWith($"recent dispute or refund: the recipient had dispute {kimDispute} on entry fee ",
            (await h.RowAsync(kim.PayoutId)).Reason, StringComparison.Ordinal);
        Assert.EndsWith("within the last 30 days", (await h.RowAsync(kim.PayoutId)).Reason, StringComparison.Ordinal);
        Assert.Contains($"a refund outside the pipeline on entry fee {louPayment} (refunded:100, ",
            (await h.RowAsync(lou.PayoutId)).Reason, StringComparison.Ordinal);
        Assert.Empty(h.TransfersOf(kim.PayoutId));
        await h.WaitForAlertAsync("payout_held_" + HoldKinds.Review);
        // The reason travels with the hold on payouts.status, which the console and cpctl payouts list show.
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus).Any(m =>
                m.Type == PayoutStatusChanged.MessageType && m.Body.GetProperty("payoutId").GetString() == kim.PayoutId
                && m.Body.GetProperty("holdKind").GetString() == HoldKinds.Review
                && m.Body.GetProperty("reason").GetString()!.Contains(kimDispute, StringComparison.Ordinal))),
            "kim's review hold with its reason on payouts.status", TimeSpan.FromSeconds(30));
        return kim;
    }

    private static async Task ADisputeDeliveredAgainIsCountedOnceAsync(PayoutHarness h, string kimDispute)
    {
        // kim's dispute delivered again, as Stripe retries a webhook and as a new event of the same dispute: with ned's
        // too old to count, two more sightings of one dispute would make three. It is counted once.
        var kimEvent = h.Stripe.Events().Single(e => e.Type == "charge.dispute.created" && e.ObjectId == kimDispute).Id;
        h.Stripe.RedeliverEvent(kimEvent);
        await Eventually.UntilAsync(() => Task.FromResult(
                h.Stripe.WebhookDeliveries().Count(d => d.EventId == kimEvent && d.Status is >= 200 and < 300) == 2),
            "kim's dispute event delivered again", TimeSpan.FromSeconds(30));
        var again = h.Stripe.EmitEvent("charge.dispute.created", kimDispute);
        Assert.Contains("known already", await h.OutcomeOfAsync(again, "read:"), StringComparison.Ordinal);
        Assert.False(await h.ScalarAsync<bool>("SELECT halted FROM payout.dispatch"));
    }

    /// <summary>The third dispute within the day halts every payout; pat's prize is ordered meanwhile. The halt's id
    /// and pat's order.</summary>
    private static async Task<(string Halt, PrizePayoutOrdered Pat)> ThirdDisputeHaltsEveryPayoutAsync(PayoutHarness h)
    {
        // Two more disputes within the day: the third halts every payout, as the emergency stop does.
        await DisputedAsync(h, await PaidAsync(h, "lost-2", "oli"));
        Assert.False(await h.ScalarAsync<bool>("SELECT halted FROM payout.dispatch"));
        var third = await DisputedAsync(h, await PaidAsync(h, "lost-2", "ned"));
        var halt = DisputeRules.HaltIdFor(third);
        await WaitForDispatchAsync(h, halted: true, halt);
        Assert.Equal($"{DisputeRules.AutomaticOperator}|2|{Topics.StripeEvents}", await h.ScalarAsync<string>(
            "SELECT operator || '|' || approvals_needed || '|' || topic FROM payout.halts WHERE halt_id = @halt",
            new { halt }));
        Assert.StartsWith($"3 disputes within 24 hours, {third} the last seen",
            await h.ScalarAsync<string>("SELECT reason FROM payout.halts WHERE halt_id = @halt", new { halt }),
            StringComparison.Ordinal);
        await h.WaitForAlertAsync("payouts_halted_disputes", "critical");
        var pat = PayoutHarness.Order("won-2", "pat", 700);
        h.Publish(pat);
        await h.WaitForAsync("pat's prize recorded",
            "SELECT EXISTS (SELECT 1 FROM payout.payouts WHERE payout_id = @PayoutId)", pat);
        return (halt, pat);
    }

    private static async Task OneOperatorsResumesDoNotEndItAsync(PayoutHarness h, string halt,
        PrizePayoutOrdered pat)
    {
        // One operator's resume, twice: recorded as one approval, refused with its reason; payouts stay halted.
        Decide(h, "ann-1", PayoutDispatchDecided.Resume, "ann", ends: halt);
        Decide(h, "ann-2", PayoutDispatchDecided.Resume, "ann", ends: halt);
        await Eventually.UntilAsync(() => Task.FromResult(Alerts(h, "payouts_resume_needs_second_operator").Count == 2),
            "both of ann's resumes refused", TimeSpan.FromSeconds(30));
        Assert.All(Alerts(h, "payouts_resume_needs_second_operator"), m => Assert.Contains(
            $"halt {halt} was made automatically and ends only when 2 different operators resume it; " +
            "approved by ann so far (1 of 2): payouts stay halted", m, StringComparison.Ordinal));
        Assert.True(
            await h.ScalarAsync<bool>("SELECT halted AND decision_id = @halt FROM payout.dispatch", new { halt }));
        Assert.Empty(h.TransfersOf(pat.PayoutId));

        // Nor is halting over it and resuming that a way around: the operator's halt keeps the rule.
        Decide(h, "ann-halt", PayoutDispatchDecided.Halt, "ann");
        await WaitForDispatchAsync(h, halted: true, "ann-halt");
        Decide(h, "ann-3", PayoutDispatchDecided.Resume, "ann", ends: "ann-halt");
        await Eventually.UntilAsync(() => Task.FromResult(Alerts(h, "payouts_resume_needs_second_operator").Count == 3),
            "ann's resume of her own halt refused", TimeSpan.FromSeconds(30));
        Assert.True(await h.ScalarAsync<bool>("SELECT halted AND decision_id = 'ann-halt' FROM payout.dispatch"));
    }

    [Fact]
    public async Task A_dispute_between_a_payouts_claim_and_its_transfer_holds_it_unsent()
    {
        // A round is a second at the instance's rate: at 2/s, two payouts. Payouts are halted at first, so the four
        // orders are all recorded before the first round is claimed.
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [StripeServices.RateVariable] = "2" });
        string[] players = ["ida", "jon", "kit", "lev"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        var fees = new Dictionary<string, string>();
        var others = new Dictionary<string, string>();
        foreach (var player in players)
        {
            fees[player] = await PaidAsync(h, "won-c", player);
            others[player] = await PaidAsync(h, "lost-c", player);
        }
        Decide(h, "halt-c", PayoutDispatchDecided.Halt, "ann");
        await WaitForDispatchAsync(h, halted: true, "halt-c");
        var orders = players.ToDictionary(p => p, p => PayoutHarness.Order("won-c", p, 1_000, paymentIntent: fees[p]));
        foreach (var order in orders.Values) h.Publish(order);
        await h.WaitForAsync("the four payouts recorded",
            "SELECT count(*) = 4 FROM payout.payouts WHERE state = 'waiting'");

        // Stripe makes each transfer at once and answers 12 s later: the first round's two calls are in flight while
        // the next round is claimed, and waits its turn, claimed with its keys and not sent.
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDelayed, "POST", "/v1/transfers", Count: 10,
            Delay: TimeSpan.FromSeconds(12)));
        Decide(h, "resume-c", PayoutDispatchDecided.Resume, "ann", ends: "halt-c");
        await WaitForDispatchAsync(h, halted: false, "resume-c");
        int Posts() => h.Stripe.Requests().Count(q => q is { Method: "POST", Path: "/v1/transfers" });
        await Eventually.UntilAsync(() => Task.FromResult(Posts()), n => n == 2, "the first round's transfers sent",
            TimeSpan.FromSeconds(6));
        await h.WaitForAsync("the next round claimed while the first one's transfers are in flight",
            "SELECT count(*) = 4 FROM payout.payouts WHERE state = 'submitting'", seconds: 6);
        var ahead = players.Where(p => h.TransfersOf(orders[p].PayoutId).Count == 0).ToList();
        Assert.Equal(2, ahead.Count);
        var (frozen, reviewed) = (ahead[0], ahead[1]);

        // Before the round claimed ahead is sent: one winner's own entry fee is disputed (a freeze, booked on the
        // claimed payout at once), the other disputes a fee of a contest they lost (a review reason, which the gates
        // find again just before that payout's transfer).
        var freeze = await DisputedAsync(h, fees[frozen]);
        await DisputedAsync(h, others[reviewed]);
        await h.WaitForStateAsync(orders[frozen].PayoutId, "held:" + HoldKinds.Frozen);
        await h.WaitForStateAsync(orders[reviewed].PayoutId, "held:" + HoldKinds.Review, seconds: 60);
        foreach (var sent in players.Except(ahead))
            await h.WaitForStateAsync(orders[sent].PayoutId, PayoutStatusNames.Paid);

        Assert.Equal(2, Posts());
        Assert.All(ahead, p => Assert.Empty(h.TransfersOf(orders[p].PayoutId)));
        var booked = Alerts(h, "entry_fee_disputed").Single(m => m.Contains(freeze, StringComparison.Ordinal));
        Assert.DoesNotContain("already sent", booked, StringComparison.Ordinal);
        Assert.True(h.Alerted("entry_fee_disputed", "critical"));
        Assert.False(h.Alerted("entry_fee_disputed", "warning"));
        var held = await h.RowAsync(orders[reviewed].PayoutId);
        Assert.EndsWith("(before its transfer was sent)", held.Reason, StringComparison.Ordinal);
        Assert.Contains(others[reviewed], held.Reason, StringComparison.Ordinal);
        // Each keeps the key it was claimed with and never sent: a release sends under it.
        Assert.Equal(2L, await h.ScalarAsync<long>("SELECT count(*) FROM payout.payouts WHERE payout_id = ANY(@ids) " +
            "AND attempt_key IS NOT NULL AND called_key IS NULL",
            new { ids = ahead.Select(p => orders[p].PayoutId).ToArray() }));
    }
}
