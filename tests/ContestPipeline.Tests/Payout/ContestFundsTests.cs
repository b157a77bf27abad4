using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Scenarios;
using ContestPipeline.Local.Demo;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Payout pays a contest at most the entry fees it has itself verified on Stripe as paid in for it, and refunds only a
/// payment it verified as that contest's entry fee, at most its amount: through the real payout worker, the local
/// broker, the webhook receiver and the Stripe-compatible server. Settlement's authorization and Ingestion's refund
/// order, each properly signed, move no money on their own; nor does Settlement's make-good without the seals of the
/// two operators who proposed and confirmed it, nor Ingestion's refund of a fee it accepted as an entry.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ContestFundsTests(PipelineFixture fixture)
{
    private static PrizePayoutOrdered Order(string contest, string player, long net, int rank) =>
        new($"prize_{contest}_{player}", contest, $"entry_{contest}_{player}", player, rank, net, 0, net, "USD");

    /// <summary>Settlement's authorization for the orders' total, then the orders, all signed as Settlement.</summary>
    private static void Settle(PayoutHarness h, string contest, params PrizePayoutOrdered[] orders) =>
        Settle(h, contest, null, orders);

    /// <summary>As above, the authorization carrying <paramref name="guarantee"/> (a guaranteed contest's).</summary>
    private static void Settle(PayoutHarness h, string contest, ContestDefined? guarantee,
        params PrizePayoutOrdered[] orders)
    {
        var authorization = new ContestPayoutsAuthorized("settle:" + contest, contest, orders.Length,
            orders.Sum(o => o.NetMinor), "USD", DateTimeOffset.UtcNow, guarantee);
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, contest, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        foreach (var o in orders)
            h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, contest, PrizePayoutOrdered.MessageType,
                o.PayoutId, o);
    }

    private static Task WaitVerifiedAsync(PayoutHarness h, params string[] paymentIntents) =>
        h.WaitForAsync($"payments {string.Join(", ", paymentIntents)} verified by Payout",
            "SELECT count(*) = cardinality(@paymentIntents) FROM payout.verified_payments " +
            "WHERE payment_intent_id = ANY(@paymentIntents)", new { paymentIntents }, seconds: 60);

    [Fact]
    public async Task Settlements_orders_for_a_contest_nobody_paid_into_transfer_nothing_and_raise_a_critical_alert()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["gil", "hal", "ida"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        // A real contest beside it, paid into and settled, so the worker is shown to pay what is proven.
        var fee = h.World.Pay("real", "jan", 50_00);
        await WaitVerifiedAsync(h, fee);
        var real = Order("real", "gil", 50_00, 1);
        Settle(h, "real", real);
        await h.WaitForStateAsync(real.PayoutId, PayoutStatusNames.Paid);

        var ghost = players.Select((p, i) => Order("ghost", p, 999_00, i + 1)).ToArray();
        Settle(h, "ghost", ghost);

        foreach (var o in ghost) await h.WaitForStateAsync(o.PayoutId, "held:" + HoldKinds.Funds);
        await h.WaitForAlertAsync("funds_not_proven", AlertSeverities.Critical);
        // Given the transfer job's rounds, still nothing of the ghost contest's is sent.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.All(ghost, o => Assert.Empty(h.TransfersOf(o.PayoutId)));
        Assert.Contains("contest ghost has 0 USD", (await h.RowAsync(ghost[0].PayoutId)).Reason);
        Assert.Contains("99900 short", (await h.RowAsync(ghost[0].PayoutId)).Reason);
    }

    [Fact]
    public async Task Orders_beyond_a_contests_verified_fees_are_held_and_released_when_a_late_fee_is_verified()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["ann", "ben", "cat"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        var fees = new[] { h.World.Pay("c9", "ann", 500_00), h.World.Pay("c9", "ben", 500_00) };
        await WaitVerifiedAsync(h, fees);
        // A refunded fee no longer counts: 1,200.00 paid in, 200.00 of it refunded.
        var refunded = h.World.Pay("c9", "dov", 200_00);
        // Verified first from its event (a list read by creation time): an order that came before would have Payout
        // read the payment by a GET, which is right then but not what this case looks at.
        await WaitVerifiedAsync(h, refunded);
        var refund = new RefundOrdered(RefundOrdered.RefundIdFor(refunded), "c9", "dov", refunded, 200_00, "USD",
            "rejected");
        h.World.PublishAs(Producers.Ingestion, Topics.PayoutsDue, "c9", RefundOrdered.MessageType, refund.RefundId,
            refund);
        h.World.PublishAs(Producers.Ingestion, Topics.ContestLifecycle, "c9", EntryRejected.MessageType,
            EntryRejected.MessageIdFor("s-dov"), new EntryRejected("s-dov", "c9", "dov", refunded, "rejected",
                refund.RefundId));
        await h.WaitForAsync("dov's fee refunded", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @refunded AND state = 'refunded')", new { refunded }, seconds: 60);
        // Read again after its refund, by the creation time its first read recorded: in a list, not by a GET.
        await h.WaitForAsync("dov's refund read by Payout", "SELECT EXISTS (SELECT 1 FROM payout.verified_payments " +
            "WHERE payment_intent_id = @refunded AND refunded_minor = 20000)", new { refunded }, seconds: 60);
        Assert.DoesNotContain(h.Stripe.Requests(), r => r.Path == "/v1/payment_intents/" + refunded);
        var (ann, ben, cat) = (Order("c9", "ann", 600_00, 1), Order("c9", "ben", 400_00, 2),
            Order("c9", "cat", 150_00, 3));

        Settle(h, "c9", ann, ben, cat);

        await h.WaitForStateAsync(ann.PayoutId, PayoutStatusNames.Paid);
        await h.WaitForStateAsync(ben.PayoutId, PayoutStatusNames.Paid);
        await h.WaitForStateAsync(cat.PayoutId, "held:" + HoldKinds.Funds);
        await h.WaitForAlertAsync("funds_not_proven", AlertSeverities.Critical);
        Assert.Empty(h.TransfersOf(cat.PayoutId));

        // A late entry fee of the contest, once Payout has verified it, covers cat's prize: released and paid.
        var late = h.World.Pay("c9", "eli", 150_00);
        await h.WaitForStateAsync(cat.PayoutId, PayoutStatusNames.Paid, seconds: 60);
        Assert.Single(h.TransfersOf(cat.PayoutId));
        Assert.Equal(1, await h.ScalarAsync<int>(
            "SELECT count(*) FROM payout.verified_payments WHERE payment_intent_id = @late", new { late }));
    }

    [Fact]
    public async Task Ingestions_refund_of_another_contests_fee_a_never_paid_intent_or_more_than_paid_is_refused()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        var other = h.World.Pay("c-other", "kim", 300_00);
        var unpaid = h.World.Pay("c-ref", "lou", 300_00, status: "requires_payment_method");
        var small = h.World.Pay("c-ref", "max", 300_00);
        var genuine = h.World.Pay("c-ref", "ned", 300_00);
        RefundOrdered Refund(string paymentIntent, string player, long amount) =>
            new(RefundOrdered.RefundIdFor(paymentIntent), "c-ref", player, paymentIntent, amount, "USD", "rejected");
        RefundOrdered[] refusals = [Refund(other, "kim", 300_00), Refund(unpaid, "lou", 300_00),
            Refund(small, "max", 300_01), Refund("pi_never_made", "ona", 300_00)];
        foreach (var r in refusals.Append(Refund(genuine, "ned", 300_00)))
            h.World.PublishAs(Producers.Ingestion, Topics.PayoutsDue, r.ContestId, RefundOrdered.MessageType,
                r.RefundId, r);
        // The genuine one waits, proven, for Ingestion's word that its payment made no entry: the contest's entries
        // closed without it (every acceptance of c-ref would have come before).
        await h.WaitForAsync("the genuine refund proven and waiting", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @genuine AND proven AND NOT grounded AND state = 'waiting')", new { genuine },
            seconds: 60);
        Assert.Empty(h.Stripe.Ledger().Refunds);
        h.World.PublishAs(Producers.Ingestion, Topics.ContestLifecycle, "c-ref", EntriesClosed.MessageType,
            "c-ref:entries-closed", new EntriesClosed("c-ref", 0, "", DateTimeOffset.UtcNow));

        await h.WaitForAsync("the genuine refund made", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @genuine AND state = 'refunded')", new { genuine }, seconds: 60);
        await h.WaitForAsync("every other refund refused", "SELECT count(*) = 4 FROM payout.refunds " +
            "WHERE state = 'failed' AND NOT proven", seconds: 60);
        await h.WaitForAlertAsync("refund_not_proven", AlertSeverities.Critical);
        Assert.Equal([genuine], h.Stripe.Ledger().Refunds.Select(r => r.PaymentIntent).ToArray());

        // A contest cancelled while open never closes: Ingestion's cancel, as it applied it, grounds the refund of a
        // payment that made no entry there.
        var stray = h.World.Pay("c-cxl", "pat", 300_00);
        var strayRefund = new RefundOrdered(RefundOrdered.RefundIdFor(stray), "c-cxl", "pat", stray, 300_00, "USD",
            "never entered");
        h.World.PublishAs(Producers.Ingestion, Topics.PayoutsDue, "c-cxl", RefundOrdered.MessageType,
            strayRefund.RefundId, strayRefund);
        h.World.PublishAs(Producers.Ingestion, Topics.ContestLifecycle, "c-cxl", ContestCancelRequested.MessageType,
            "contest:c-cxl:cancel-requested", new ContestCancelRequested("c-cxl", "storm", "ann and bob"));
        await h.WaitForAsync("the cancelled contest's stray fee refunded",
            "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @stray AND state = 'refunded')", new { stray }, seconds: 60);
        var refused = h.World.Read(Topics.PayoutsStatus).Where(m => m.Type == RefundFailed.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).Order().ToArray();
        Assert.Equal(refusals.Select(r => r.PaymentIntentId).Order().ToArray(), refused);
    }

    /// <summary>Ingestion's and Settlement's words on one contest's entry fees of 300.00, as they publish
    /// them.</summary>
    private sealed class FeesOf(PayoutHarness h, string contest)
    {
        public void Accept(string paymentIntent, string player) =>
            h.World.PublishAs(Producers.Ingestion, Topics.ContestLifecycle, contest, EntryAccepted.MessageType,
                EntryAccepted.MessageIdFor("e-" + player), new EntryAccepted("e-" + player, contest, player,
                    paymentIntent, 300_00, "USD", null, DateTimeOffset.UtcNow));

        public RefundOrdered Refund(string producer, string paymentIntent, string player)
        {
            var r = new RefundOrdered(RefundOrdered.RefundIdFor(paymentIntent), contest, player, paymentIntent,
                300_00, "USD", producer == Producers.Settlement ? "contest cancelled" : "rejected");
            h.World.PublishAs(producer, Topics.PayoutsDue, contest, RefundOrdered.MessageType,
                producer == Producers.Settlement ? RefundOrdered.CancellationMessageIdFor(r.RefundId) : r.RefundId, r);
            return r;
        }

        public Task RefundIsAsync(string paymentIntent, string state) => h.WaitForAsync(
            $"{paymentIntent}'s refund {state}",
            "SELECT EXISTS (SELECT 1 FROM payout.refunds WHERE payment_intent_id = @paymentIntent AND state = @state)",
            new { paymentIntent, state }, seconds: 60);
    }

    [Fact]
    public async Task Ingestions_refund_of_an_accepted_fee_is_refused_and_Settlements_waits_for_the_referees_cancel()
    {
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.RefundGroundsWaitMs] = "3000" });
        const string contest = "c-acc";
        var (accepted, waiting, sent) = (h.World.Pay(contest, "pia", 300_00), h.World.Pay(contest, "quin", 300_00),
            h.World.Pay(contest, "rae", 300_00));
        var fees = new FeesOf(h, contest);

        // Accepted first: Ingestion's refund of it is dead-lettered, critical, and nothing is recorded.
        fees.Accept(accepted, "pia");
        await h.WaitForAsync("pia's entry fee known as accepted", "SELECT EXISTS (SELECT 1 FROM " +
            "payout.accepted_entry_fees WHERE payment_intent_id = @accepted)", new { accepted }, seconds: 60);
        var refused = fees.Refund(Producers.Ingestion, accepted, "pia");
        Assert.Contains("which Ingestion accepted", await h.DeadLetterReasonAsync(refused.RefundId),
            StringComparison.Ordinal);

        // Ordered before Payout has read the payment's fate: proven on Stripe, it still waits unsent for Ingestion's
        // word that the payment made no entry; the acceptance comes instead, and it is refused unsent.
        fees.Refund(Producers.Ingestion, waiting, "quin");
        await h.WaitForAsync("quin's refund proven and waiting", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @waiting AND proven AND NOT grounded AND state = 'waiting')", new { waiting },
            seconds: 60);
        fees.Accept(waiting, "quin");
        await fees.RefundIsAsync(waiting, "failed");

        // Rejected, refunded, then accepted as well: Ingestion contradicts itself; the refund made on its word of the
        // rejection cannot be called back, and an operator is paged. The rejection and the order come together, on two
        // topics, as Ingestion publishes them: either may be read first.
        h.World.PublishAs(Producers.Ingestion, Topics.ContestLifecycle, contest, EntryRejected.MessageType,
            EntryRejected.MessageIdFor("s-rae"), new EntryRejected("s-rae", contest, "rae", sent, "contest full",
                RefundOrdered.RefundIdFor(sent)));
        fees.Refund(Producers.Ingestion, sent, "rae");
        await fees.RefundIsAsync(sent, "refunded");
        fees.Accept(sent, "rae");
        await h.WaitForAlertAsync("refund_of_accepted_entry", AlertSeverities.Critical);

        await AnOrphanRefundWaitsAndIsWarnedOfAsync(h, fees, contest);

        // A cancelled contest's refund of the accepted fee, Settlement's order, waits unsent for the referee's own word
        // that the contest is cancelled: a cancel Settlement published is refused, and a refund still waiting after
        // the configured wait is alerted on once. The referee's cancel sends it.
        fees.Refund(Producers.Settlement, accepted, "pia");
        await h.WaitForAsync("pia's refund proven and waiting for the referee", "SELECT EXISTS (SELECT 1 FROM " +
            "payout.refunds WHERE payment_intent_id = @accepted AND proven AND NOT grounded AND state = 'waiting')",
            new { accepted }, seconds: 60);
        h.World.PublishAs(Producers.Settlement, Topics.ContestLifecycle, contest, ContestStateChanged.MessageType,
            "forged-cancel", new ContestStateChanged(contest, ContestLifecycle.Name(ContestState.Live),
                ContestLifecycle.Name(ContestState.Cancelled), "forged", DateTimeOffset.UtcNow));
        Assert.Contains("only the referee (scoring) cancels a contest",
            await h.DeadLetterReasonAsync("forged-cancel", Topics.ContestLifecycle), StringComparison.Ordinal);
        await h.WaitForAlertAsync("refund_awaits_cancel", AlertSeverities.Critical);
        Assert.Equal("waiting", await h.ScalarAsync<string>(
            "SELECT state FROM payout.refunds WHERE payment_intent_id = @accepted", new { accepted }));
        h.World.CancelledByReferee(contest);
        await fees.RefundIsAsync(accepted, "refunded");
        Assert.Equal(new[] { accepted, sent }.Order(StringComparer.Ordinal),
            h.Stripe.Ledger().Refunds.Select(r => r.PaymentIntent).Order(StringComparer.Ordinal));
        Assert.Contains(h.World.Read(Topics.PayoutsStatus), m => m.Type == RefundFailed.MessageType
            && m.Body.GetProperty("paymentIntentId").GetString() == waiting);
    }

    /// <summary>sam's refund, which Ingestion never grounds.</summary>
    private static async Task AnOrphanRefundWaitsAndIsWarnedOfAsync(PayoutHarness h, FeesOf fees, string contest)
    {
        // Ingestion's refund of a payment it never says made no entry waits unsent; once the contest has been locked
        // for the configured wait (Ingestion closes its entries at the lock), a warning names it.
        var orphan = h.World.Pay(contest, "sam", 300_00);
        fees.Refund(Producers.Ingestion, orphan, "sam");
        await h.WaitForAsync("sam's refund proven and waiting", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @orphan AND proven AND NOT grounded AND state = 'waiting')", new { orphan },
            seconds: 60);
        h.World.Publish(Topics.ContestLifecycle, contest, ContestScheduled.MessageType,
            ContestScheduled.MessageIdFor(contest),
            new ContestScheduled(ContestScenarios.Fantasy(contest, DateTimeOffset.UtcNow.AddHours(-1), ["g1"])));
        await h.WaitForAlertAsync("refund_awaits_entries_closed", AlertSeverities.Warning);
        Assert.Equal("waiting", await h.ScalarAsync<string>(
            "SELECT state FROM payout.refunds WHERE payment_intent_id = @orphan", new { orphan }));
    }

    [Fact]
    public async Task A_guaranteed_contest_is_paid_up_to_its_sealed_guarantee_and_an_altered_guarantee_pays_nothing()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["pia", "quin", "rae"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        ContestDefined Guaranteed(string contest, long guaranteedMinor) =>
            ContestScenarios.Fantasy(contest, DateTimeOffset.UtcNow.AddHours(-3), ["g1"]) with
            {
                Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: guaranteedMinor),
            };
        // 50.00 paid in; the operators guaranteed 900.00: the platform's overlay of 850.00 is paid as sealed.
        var fee = h.World.Pay("gtd", "sal", 50_00);
        await WaitVerifiedAsync(h, fee);
        var paid = new[]
        {
            Order("gtd", "pia", 500_00, 1), Order("gtd", "quin", 300_00, 2), Order("gtd", "rae", 100_00, 3),
        };
        Settle(h, "gtd", OutsideWorld.Sealed(Guaranteed("gtd", 900_00)), paid);
        foreach (var o in paid) await h.WaitForStateAsync(o.PayoutId, PayoutStatusNames.Paid, seconds: 60);
        Assert.All(paid, o => Assert.Single(h.TransfersOf(o.PayoutId)));

        // Settlement's authorization with a guarantee raised after the operators sealed 900.00, and one with another
        // contest's sealed guarantee: neither is taken; nothing is paid in, so every prize is held for an operator.
        var altered = OutsideWorld.Sealed(Guaranteed("gtd-raised", 900_00)) with
        {
            Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: 9_000_00),
        };
        var raised = new[] { Order("gtd-raised", "pia", 5_000_00, 1), Order("gtd-raised", "quin", 4_000_00, 2) };
        Settle(h, "gtd-raised", altered, raised);
        var borrowed = Order("gtd-borrowed", "rae", 500_00, 1);
        Settle(h, "gtd-borrowed", OutsideWorld.Sealed(Guaranteed("gtd", 900_00)), borrowed);
        foreach (var o in raised.Append(borrowed)) await h.WaitForStateAsync(o.PayoutId, "held:" + HoldKinds.Funds);
        await h.WaitForAlertAsync("guarantee_not_sealed", AlertSeverities.Critical);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.All(raised.Append(borrowed), o => Assert.Empty(h.TransfersOf(o.PayoutId)));
        Assert.Equal("gtd:90000,gtd-borrowed:0,gtd-raised:0", await h.ScalarAsync<string>(
            "SELECT string_agg(contest_id || ':' || guaranteed_minor, ',' ORDER BY contest_id COLLATE \"C\") " +
            "FROM payout.contest_payout_budgets WHERE contest_id LIKE 'gtd%'"));
    }

    /// <summary>One correction report: uma is owed 300.00 (her net prize 0.00 became 300.00), wes 150.00 (100.00 to
    /// 250.00).</summary>
    private static MakeGoodItem[] Items(string contest) =>
    [
        new($"entry_{contest}_uma", "uma", 5, 1, 0, 300_00, 300_00),
        new($"entry_{contest}_wes", "wes", 4, 2, 100_00, 250_00, 150_00),
    ];

    /// <summary>The report's terms sealed by the operators <paramref name="by"/>, with <paramref name="sent"/> as its
    /// items (the report's own unless given).</summary>
    private static SealedMakeGood Sealed(string contest, string[] by, MakeGoodItem[]? sent = null)
    {
        var terms = MakeGoodTerms.Of("prop-" + contest, contest, 1, 450_00, "USD", Items(contest));
        return new SealedMakeGood("prop-" + contest, 1, 450_00, sent ?? Items(contest),
            [.. by.Select(o => MakeGoodSeals.Seal(LocalSigningKeys.Operator(o), contest, terms))]);
    }

    /// <summary>
    /// As Settlement publishes a confirmed make-good: its authorization carrying the sealed terms, then its order.
    /// </summary>
    private static PrizePayoutOrdered MakeGoodOrdered(PayoutHarness h, string contest, SealedMakeGood? made, int item,
        long net, string? player = null, long? authorized = null)
    {
        var of = Items(contest)[item];
        var order = new PrizePayoutOrdered(PrizePayoutOrdered.MakeGoodIdFor(contest, of.EntryId, 1), contest,
            of.EntryId, player ?? of.PlayerId, of.CorrectedRank, net, 0, net, "USD");
        var authorization = new ContestPayoutsAuthorized(ContestPayoutsAuthorized.MakeGoodIdFor(order.PayoutId),
            contest, 1, authorized ?? net, "USD", DateTimeOffset.UtcNow, MakeGood: made);
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, contest, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, contest, PrizePayoutOrdered.MessageType,
            order.PayoutId, order);
        return order;
    }

    private static string AuthorizationOf(PrizePayoutOrdered o) =>
        ContestPayoutsAuthorized.MessageIdFor(ContestPayoutsAuthorized.MakeGoodIdFor(o.PayoutId));

    [Fact]
    public async Task A_make_good_is_paid_only_to_whom_and_up_to_what_two_operators_sealed()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        string[] players = ["uma", "wes"];
        foreach (var player in players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in players) await h.WaitForRecipientAsync(player);
        PrizePayoutOrdered MakeGood(string contest, SealedMakeGood? made, int item, long net, string? player = null) =>
            MakeGoodOrdered(h, contest, made, item, net, player);

        // Proposed by ann, confirmed by bob: both paid, as sealed.
        var paid = new[]
        {
            MakeGood("mg-ok", Sealed("mg-ok", ["ann", "bob"]), 0, 300_00),
            MakeGood("mg-ok", Sealed("mg-ok", ["ann", "bob"]), 1, 150_00),
        };
        foreach (var o in paid) await h.WaitForStateAsync(o.PayoutId, PayoutStatusNames.Paid, seconds: 60);
        Assert.All(paid, o => Assert.Equal(o.NetMinor, Assert.Single(h.TransfersOf(o.PayoutId)).Amount));

        // Made up by Settlement, sealed by one operator, or altered after sealing: the authorization is refused.
        var none = MakeGood("mg-none", null, 0, 300_00);
        Assert.Contains("carries no make-good terms sealed", await h.DeadLetterReasonAsync(AuthorizationOf(none)));
        var one = MakeGood("mg-one", Sealed("mg-one", ["ann"]), 0, 300_00);
        Assert.Contains("sealed by 1 operator(s) that verify for payout, 2 needed",
            await h.DeadLetterReasonAsync(AuthorizationOf(one)));
        var raised = Items("mg-raised");
        raised[0] = raised[0] with { CorrectedNetMinor = 3_000_00, MakeGoodMinor = 3_000_00 };
        var altered = MakeGood("mg-raised", Sealed("mg-raised", ["ann", "bob"], raised), 0, 3_000_00);
        Assert.Contains("ann's seal does not match the make-good's terms",
            await h.DeadLetterReasonAsync(AuthorizationOf(altered)));
        // More than the terms owe the entry: refused at the authorization.
        var more = MakeGood("mg-more", Sealed("mg-more", ["ann", "bob"]), 1, 900_00);
        Assert.Contains("the sealed terms owe entry entry_mg-more_wes 15000",
            await h.DeadLetterReasonAsync(AuthorizationOf(more)));
        // Sealed for uma, ordered to wes: the order is refused.
        var elsewhere = MakeGood("mg-else", Sealed("mg-else", ["ann", "bob"]), 0, 300_00, player: "wes");
        Assert.Contains("the operators sealed it for entry entry_mg-else_uma of player uma",
            await h.DeadLetterReasonAsync(elsewhere.PayoutId));
        // A make-good order riding on a contest's settling authorization, with no make-good authorization: refused.
        var riding = new PrizePayoutOrdered(PrizePayoutOrdered.MakeGoodIdFor("mg-ride", "entry_x", 1), "mg-ride",
            "entry_x", "wes", 1, 200_00, 0, 200_00, "USD");
        Settle(h, "mg-ride", riding);
        Assert.Contains("no make-good of that id was sealed", await h.DeadLetterReasonAsync(riding.PayoutId));
        foreach (var o in new[] { none, one, altered, more })
            Assert.Contains("no make-good of that id was sealed", await h.DeadLetterReasonAsync(o.PayoutId));
        var forged = new[] { none, one, altered, more, elsewhere, riding };
        Assert.All(forged, o => Assert.Empty(h.TransfersOf(o.PayoutId)));
        Assert.Equal(0, await h.ScalarAsync<long>("SELECT count(*) FROM payout.payouts WHERE payout_id = ANY(@ids)",
            new { ids = forged.Select(o => o.PayoutId).ToArray() }));
    }
}
