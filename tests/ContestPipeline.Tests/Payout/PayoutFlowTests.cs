using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Tests.Stripe;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using ContestPipeline.PlayerApi;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The payout worker as a real process against the Stripe-compatible server over HTTP, the
/// local broker and Postgres, with Stripe's events coming back through the real webhook
/// receiver. Orders are published as Settlement publishes them. The cases that need no crash,
/// balance or setting of their own share one run (<see cref="SharedRun"/>), each with its own
/// contest and players, reading what it asserts by its payout, transfer or key.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class PayoutFlowTests(PipelineFixture fixture, PayoutFlowTests.SharedRun shared)
    : IClassFixture<PayoutFlowTests.SharedRun>
{
    /// <summary>
    /// The class's shared run: the payout worker with the default settings and a balance of 10,000.00.
    /// </summary>
    public sealed class SharedRun : SharedStack<PayoutRun>
    {
        protected override Task<PayoutRun> StartAsync(PipelineFixture fixture) => StartRunAsync(fixture);
    }

    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        [PayoutOptions.Settings.RetryDelayBaseMs] = "200",
        [PayoutOptions.Settings.BalanceRecheckMs] = "300",
        [PayoutOptions.Settings.LeaseMs] = "1000",
        [PayoutOptions.Settings.AccountRecheckMs] = "500",
        [PayoutOptions.Settings.ReviewThresholdMinor] = "50000",
        [PayoutOptions.Settings.NewAccountAmountMaxMinor] = "100000",
        [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = "0",
    };

    public sealed class PayoutRun : IAsyncDisposable
    {
        public required ContestRun Run { get; init; }
        public required LocalWebhooks Webhooks { get; init; }
        public OutsideWorld World => Run.World;
        public StripeEmulator Stripe => Run.Stripe;

        public async ValueTask DisposeAsync()
        {
            await Run.DisposeAsync();
            await Webhooks.DisposeAsync();
        }
    }

    private Task<PayoutRun> StartAsync(string? crashAt = null, long balance = 1_000_000,
        Dictionary<string, string?>? settings = null) => StartRunAsync(fixture, crashAt, balance, settings);

    /// <summary>The shared run, which the case does not dispose.</summary>
    private Task<PayoutRun> SharedAsync() => shared.GetAsync(fixture);

    private static async Task<PayoutRun> StartRunAsync(PipelineFixture fixture, string? crashAt = null,
        long balance = 1_000_000, Dictionary<string, string?>? settings = null)
    {
        var run = await ContestRun.StartEmptyAsync(fixture, 11);
        var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        if (balance > 0) run.Stripe.TopUp(balance, "usd");
        var env = new Dictionary<string, string?>(FastRetries);
        foreach (var (k, v) in settings ?? []) env[k] = v;
        run.StartWorker("payout", crashAt, env);
        return new PayoutRun { Run = run, Webhooks = webhooks };
    }

    private static PrizePayoutOrdered Order(string contest, string player, long net, int rank = 1,
        string? paymentIntent = null) =>
        new($"prize_{contest}_{player}", contest, $"entry_{contest}_{player}", player, rank, net + net / 30, net / 30,
            net, "USD", paymentIntent);

    /// <summary>
    /// The order as Settlement publishes it: after its winner paid the entry fees that cover it
    /// (<see cref="PayoutHarness.Fund"/>) and an authorization that covers it (one per order here).
    /// </summary>
    private static void Publish(PayoutRun r, PrizePayoutOrdered o)
    {
        PayoutHarness.Fund(r.Run, o);
        var world = r.World;
        var authorization = new ContestPayoutsAuthorized("test:" + o.PayoutId, o.ContestId, 1, o.NetMinor, o.Currency,
            DateTimeOffset.UtcNow);
        world.Publish(Topics.PayoutsDue, o.ContestId, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        world.Publish(Topics.PayoutsDue, o.ContestId, PrizePayoutOrdered.MessageType, o.PayoutId, o);
    }

    private static async Task<string?> StateAsync(PayoutRun r, string payoutId)
    {
        await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.payouts') IS NOT NULL")
            ? await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT state || coalesce(':' || hold_kind, '') FROM payout.payouts WHERE payout_id = @payoutId",
                new { payoutId })
            : null;
    }

    private static async Task WaitForStateAsync(PayoutRun r, string payoutId, string state)
    {
        try
        {
            await Eventually.UntilAsync(() => StateAsync(r, payoutId), s => s == state, $"payout {payoutId} {state}");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
            var now = await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT state || ' ' || coalesce(hold_kind, '') || ': ' || reason FROM payout.payouts "
                + "WHERE payout_id = @payoutId", new { payoutId });
            var recipients = string.Join("; ", await conn.QueryAsync<string>(
                "SELECT player_id || ' ' || account_id || ' ' || can_receive FROM payout.recipients"));
            var events = string.Join("; ", await conn.QueryAsync<string>(
                "SELECT type || ' ' || object_id || ' ' || outcome FROM payout.stripe_events ORDER BY received_at"));
            throw new Xunit.Sdk.XunitException(
                $"{e.Message}; it is {now ?? "unknown"}; recipients: {recipients}; events: {events}", e);
        }
    }

    /// <summary>What Payout reported on <c>payouts.status</c> about one payout.</summary>
    private static List<OutsideWorld.Published> Status(PayoutRun r, string payoutId) =>
        [.. r.World.Read(Topics.PayoutsStatus).Where(m => m.Body.ValueKind == JsonValueKind.Object
            && m.Body.TryGetProperty("payoutId", out var id) && id.GetString() == payoutId)];

    private static List<RecordedTransfer> TransfersOf(PayoutRun r, string payoutId) =>
        [.. r.Stripe.Ledger().Transfers.Where(t => t.Metadata.GetValueOrDefault("payout_id") == payoutId)];

    [Fact]
    public async Task A_winner_with_an_account_is_paid_once_with_the_payout_id_as_key_and_transfer_group_the_contest()
    {
        var r = await SharedAsync();
        var account = await r.World.SignUpForPayoutsAsync("ada");
        var order = Order("c1", "ada", 2_619);
        Publish(r, order);
        Publish(r, order);   // a redelivered order is one payout
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);

        var transfer = Assert.Single(TransfersOf(r, order.PayoutId));
        Assert.Equal((2_619L, "usd", account, "c1", order.PayoutId), (transfer.Amount, transfer.Currency,
            transfer.Destination, transfer.TransferGroup, transfer.IdempotencyKey));
        await Eventually.UntilAsync(() => Status(r, order.PayoutId).Any(m => m.Type == PrizeTransferred.MessageType),
            "PrizeTransferred on payouts.status");
        var paid = Assert.Single(Status(r, order.PayoutId), m => m.Type == PrizeTransferred.MessageType);
        Assert.Equal(transfer.Id, paid.Body.GetProperty("transferId").GetString());
        Assert.Equal(2_619, paid.Body.GetProperty("amountMinor").GetInt64());
    }

    [Fact]
    public async Task Killed_between_the_Stripe_call_and_recording_it_the_restarted_worker_makes_no_second_transfer()
    {
        await using var r = await StartAsync(crashAt: CrashPoints.PayoutAfterStripeCall);
        await r.World.SignUpForPayoutsAsync("bo");
        await WaitForRecipientAsync(r, "bo");
        // No webhooks from here on: the restarted worker alone must resolve the attempt.
        r.Stripe.WebhookEndpoint = null;
        var order = Order("c2", "bo", 1_571);
        Publish(r, order);
        await Eventually.UntilAsync(() => TransfersOf(r, order.PayoutId).Count == 1, "the transfer on Stripe");
        await Eventually.UntilAsync(() => r.Run.WorkerExited("payout"), "the payout worker to die at the crash point");
        Assert.Equal(PayoutStatusNames.Submitting, await StateAsync(r, order.PayoutId));

        r.Run.StartWorker("payout", env: FastRetries);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
        var keyed = r.Stripe.Requests().Where(q => q.Path == "/v1/transfers" && q.Method == "POST").ToList();
        Assert.Equal(2, keyed.Count);
        Assert.All(keyed, q => Assert.Equal(order.PayoutId, q.IdempotencyKey));
        Assert.True(keyed[1].Replayed, "the second send was answered from the first one's idempotent result");
    }

    [Fact]
    public async Task
        Killed_after_the_claim_committed_submitting_and_its_key_the_restarted_worker_sends_once_under_that_key()
    {
        await using var r = await StartAsync(crashAt: CrashPoints.PayoutAfterSubmitting);
        await r.World.SignUpForPayoutsAsync("cy");
        await WaitForRecipientAsync(r, "cy");
        r.Stripe.WebhookEndpoint = null;
        var order = Order("c3", "cy", 1_999);
        Publish(r, order);
        await Eventually.UntilAsync(() => r.Run.WorkerExited("payout"), "the payout worker to die at the crash point");
        // The claim's transaction committed before the call: submitting, with the key the call will use, and nothing on
        // Stripe.
        await using (var conn = await r.Run.Iso.DataSource.OpenConnectionAsync())
            Assert.Equal((PayoutStatusNames.Submitting, order.PayoutId), await conn.QueryFirstAsync<(string, string)>(
                "SELECT state, attempt_key FROM payout.payouts WHERE payout_id = @PayoutId", order));
        Assert.Empty(TransfersOf(r, order.PayoutId));

        r.Run.StartWorker("payout", env: FastRetries);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
        var keyed = Assert.Single(r.Stripe.Requests(), q => q.Path == "/v1/transfers" && q.Method == "POST");
        Assert.Equal(order.PayoutId, keyed.IdempotencyKey);
    }

    [Fact]
    public async Task An_old_attempt_sent_afresh_and_killed_before_its_result_is_recorded_is_found_by_the_next_lookup()
    {
        // The first attempt never reached Stripe, and the worker stays down for more than a day.
        await using var r = await StartAsync(crashAt: CrashPoints.PayoutAfterSubmitting);
        await r.World.SignUpForPayoutsAsync("dee");
        await WaitForRecipientAsync(r, "dee");
        r.Stripe.WebhookEndpoint = null;
        var order = Order("c4", "dee", 2_500);
        Publish(r, order);
        await Eventually.UntilAsync(() => r.Run.WorkerExited("payout"), "the payout worker to die after its claim");
        await using (var conn = await r.Run.Iso.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync(
                "UPDATE payout.payouts SET submitted_at = now() - interval '25 hours' WHERE payout_id = @PayoutId",
                order);

        // The next one looks it up, finds nothing, sends it afresh and dies before recording the result.
        r.Run.StartWorker("payout", CrashPoints.PayoutAfterStripeCall, FastRetries);
        await Eventually.UntilAsync(() => TransfersOf(r, order.PayoutId).Count == 1, "the fresh transfer on Stripe");
        await Eventually.UntilAsync(() => r.Run.WorkerExited("payout"), "the payout worker to die after its call");
        Assert.Equal(PayoutStatusNames.Submitting, await StateAsync(r, order.PayoutId));

        // The attempt is still recorded as a day old, so the last one looks it up again and finds the transfer.
        r.Run.StartWorker("payout", env: FastRetries);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
        Assert.Single(r.Stripe.Requests(), q => q.Path == "/v1/transfers" && q.Method == "POST");
        // Two lookups of the payout's transfer group; the listings by creation time are the reconciliation's.
        Assert.Equal(2, r.Stripe.Requests().Count(q => q.Path == "/v1/transfers" && q.Method == "GET"
            && q.Parameters.Contains("transfer_group", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task
        An_attempt_older_than_a_day_is_looked_up_on_Stripe_by_transfer_group_and_metadata_and_not_sent_again()
    {
        await using var r = await StartAsync(crashAt: CrashPoints.PayoutAfterStripeCall);
        await r.World.SignUpForPayoutsAsync("joe");
        await WaitForRecipientAsync(r, "joe");
        r.Stripe.WebhookEndpoint = null;
        var order = Order("c9", "joe", 2_000);
        Publish(r, order);
        await Eventually.UntilAsync(() => r.Run.WorkerExited("payout"), "the payout worker to die at the crash point");
        // The worker stays down for more than a day: Stripe no longer knows the key.
        await using (var conn = await r.Run.Iso.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync(
                "UPDATE payout.payouts SET submitted_at = now() - interval '25 hours' WHERE payout_id = @PayoutId",
                order);

        r.Run.StartWorker("payout", env: FastRetries);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
        Assert.Single(r.Stripe.Requests(), q => q.Path == "/v1/transfers" && q.Method == "POST");
        Assert.Contains(r.Stripe.Requests(),
            q => q.Path.StartsWith("/v1/transfers", StringComparison.Ordinal) && q.Method == "GET");
    }

    [Fact]
    public async Task The_same_transfer_event_delivered_three_times_is_applied_once()
    {
        var r = await SharedAsync();
        await r.World.SignUpForPayoutsAsync("kim");
        var order = Order("c10", "kim", 1_234);
        Publish(r, order);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        var transfer = Assert.Single(TransfersOf(r, order.PayoutId));
        var created = r.Stripe.Events().Single(e => e.Type == "transfer.created" && e.ObjectId == transfer.Id);
        r.Stripe.RedeliverEvent(created.Id);
        r.Stripe.RedeliverEvent(created.Id);
        await Eventually.UntilAsync(() =>
            r.Stripe.WebhookDeliveries().Count(d => d.EventId == created.Id && d.Status == 200) == 3,
            "three deliveries of " + created.Id);
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM payout.inbox WHERE message_id = @Id", created) == 1
                && await conn.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM payout.stripe_events WHERE event_id = @Id", created) == 1;
        }, "the event applied");
        var stripeEvents = r.World.Read(Topics.StripeEvents)
            .Count(m => m.Headers.GetValueOrDefault(MessageHeaders.MessageId) == created.Id);
        Assert.Equal(3, stripeEvents);
        // Whatever a fourth application would publish has been published once Payout has read
        // stripe.events to its end and its outbox is empty.
        await r.Run.ReadToEndAsync();
        await using (var conn = await r.Run.Iso.DataSource.OpenConnectionAsync())
            Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM payout.inbox WHERE message_id = @Id", created));
        Assert.Single(Status(r, order.PayoutId), m => m.Type == PrizeTransferred.MessageType);
    }

    [Fact]
    public async Task A_reversed_transfer_is_reported_once_fails_the_payout_and_a_rejection_withholds_what_came_back()
    {
        var r = await SharedAsync();
        await r.World.SignUpForPayoutsAsync("lee");
        var order = Order("c11", "lee", 3_000);
        Publish(r, order);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        var transfer = Assert.Single(TransfersOf(r, order.PayoutId));

        // Someone reverses part of the transfer on Stripe; Stripe says so, twice.
        await r.World.StripeClient.CreateTransferReversalAsync(transfer.Id, new(1_000), "reverse-lee");
        var reversed = r.Stripe.Events().Single(e => e.Type == "transfer.reversed" && e.ObjectId == transfer.Id);
        r.Stripe.RedeliverEvent(reversed.Id);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Failed);
        // A late event about the same transfer does not make it paid again.
        r.Stripe.EmitEvent("transfer.updated", transfer.Id);
        await DecideAsync(r, order, PayoutReviewDecided.Release, "d3");   // refused: re-sending the key would only
                                                                          // replay the reversed transfer
        List<OutsideWorld.Published> Refused() =>
            [.. r.World.Read(Topics.DeadLetter(Topics.PayoutsDue)).Where(m => m.Key == order.ContestId)];
        await Eventually.UntilAsync(() => Task.FromResult(Refused().Count == 1), "the release dead-lettered",
            TimeSpan.FromSeconds(20));
        await DecideAsync(r, order, PayoutReviewDecided.Reject, "d4");
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Rejected);

        await Eventually.UntilAsync(() => Status(r, order.PayoutId).Any(m => m.Type == PayoutRejected.MessageType),
            "PayoutRejected");
        var status = Status(r, order.PayoutId);
        var back = Assert.Single(status, m => m.Type == PrizeTransferReversed.MessageType);
        Assert.Equal((1_000L, 1_000L),
            (back.Body.GetProperty("amountMinor").GetInt64(), back.Body.GetProperty("reversedTotalMinor").GetInt64()));
        Assert.Single(status, m => m.Type == PrizeTransferred.MessageType);
        Assert.Equal(1_000, Assert.Single(status, m => m.Type == PayoutRejected.MessageType)
            .Body.GetProperty("amountMinor").GetInt64());
        Assert.Single(TransfersOf(r, order.PayoutId));
        var refused = Assert.Single(Refused());
        Assert.Contains("its transfer was reversed", refused.Headers[MessageHeaders.DeadLetterReason],
            StringComparison.Ordinal);
    }

    private static Task WaitForRecipientAsync(PayoutRun r, string player) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.recipients') IS NOT NULL")
                && await conn.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM payout.recipients WHERE player_id = @player AND can_receive)",
                    new { player });
        }, $"{player}'s account to be known as able to receive");

    [Fact]
    public async Task A_winner_without_an_account_is_told_to_onboard_with_no_link_on_any_topic_and_paid_once_onboarded()
    {
        await using var r = await StartAsync();
        r.Run.StartWorker("operations");
        var order = Order("c3", "cy", 524);
        Publish(r, order);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.AwaitingAccount);
        await Eventually.UntilAsync(() =>
            r.World.Read(Topics.PayoutsStatus).Any(m => m.Type == RecipientOnboardingNeeded.MessageType),
            "the onboarding notice on payouts.status");
        var needed = Assert.Single(r.World.Read(Topics.PayoutsStatus),
            m => m.Type == RecipientOnboardingNeeded.MessageType);
        var account = needed.Body.GetProperty("accountId").GetString()!;
        Assert.Equal("/recipients/cy/onboarding-link", needed.Body.GetProperty("onboardingPath").GetString());
        Assert.Empty(TransfersOf(r, order.PayoutId));

        var url = await TheLinkStaysInPayoutsTableAsync(r);

        // Stripe refuses the next account link: the platform hears 502 with Stripe's reason, and may ask again.
        await using var api = await LocalPlayerApi.StartAsync(r.Run.Swaps);
        using var platform = api.Platform();
        var path = needed.Body.GetProperty("onboardingPath").GetString()!;
        await StripeRefusesTheNextLinkAsync(r, platform, path);
        // Stripe slower than a second instance of the API waits (1 s): 504, ask again; Payout still answers the request
        // later.
        await using var hurried = await LocalPlayerApi.StartAsync(r.Run.Swaps,
            overrides: new Dictionary<string, string?> { [PlayerApiOptions.Settings.OnboardingLinkWaitMs] = "1000" });
        using var impatient = hurried.Platform();
        await StripeTooSlowIsAnsweredAllTheSameAsync(r, impatient, path);
        // The platform asks for a fresh link: Payout mints a new one; nobody unknown gets one.
        var freshUrl = await AFreshLinkForTheWinnerOnlyAsync(platform, path, account, url);
        // At most five requests per player per ten minutes, counted in Postgres across both instances of the API:
        // the sixth for one player is answered 429 with Retry-After (about the window) and adds no request; another
        // player (cy, four so far) is not held back by it. The second instance waits only a second: under a busy
        // machine Payout may answer after it gave up (504), and its request counts all the same.
        await AtMostFiveLinksPerPlayerAndNoneOnATopicAsync(r, platform, impatient, account);
        await TheWinnerOnboardsAndIsPaidOnceAsync(r, platform, order, account, freshUrl);
    }

    private static async Task TheWinnerOnboardsAndIsPaidOnceAsync(PayoutRun r, HttpClient platform,
        PrizePayoutOrdered order, string account, string url)
    {
        // The winner follows the link and finishes onboarding: Stripe sends account.updated.
        using (var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }))
            await http.GetAsync(url);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Equal(account, Assert.Single(TransfersOf(r, order.PayoutId)).Destination);
        // The transfer may go out on Stripe's word before Payout's stripe.events consumer has recorded account.updated;
        // the link requests are answered from that record.
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>(
                "SELECT can_receive FROM payout.recipients WHERE player_id = 'cy'");
        }, "Payout's record of cy's account able to receive");
        var (onboarded, refusal) = await AskForLinkAsync(platform, RecipientOnboardingNeeded.PathFor("cy"));
        Assert.Equal(HttpStatusCode.Conflict, onboarded);
        Assert.Contains("finished onboarding", refusal.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The onboarding link, from Payout's table.</summary>
    private static async Task<string> TheLinkStaysInPayoutsTableAsync(PayoutRun r)
    {
        // The link Stripe made stays in Payout's table: neither payouts.status nor the winner's notice carries it.
        string url;
        await using (var conn = await r.Run.Iso.DataSource.OpenConnectionAsync())
            url = await conn.ExecuteScalarAsync<string>(
                "SELECT onboarding_url FROM payout.recipients WHERE player_id = 'cy'") ?? "";
        Assert.StartsWith("http", url, StringComparison.Ordinal);
        var notice = await Eventually.UntilAsync<OutsideWorld.Published?>(() => r.World.Read(Topics.Notifications)
            .FirstOrDefault(m => m.Key == "cy" && m.Body.GetProperty("kind").GetString() == "verification_needed"),
            m => m is not null, "the winner's verification_needed notice");
        Assert.Contains("/recipients/cy/onboarding-link", notice!.Body.GetProperty("text").GetString(),
            StringComparison.Ordinal);
        Assert.Equal("operations", notice.Headers[MessageHeaders.Producer]);
        return url;
    }

    /// <summary>Stripe refuses the next account link: the platform hears 502 with Stripe's reason.</summary>
    private static async Task StripeRefusesTheNextLinkAsync(PayoutRun r, HttpClient platform, string path)
    {
        r.Stripe.InjectFault(new StripeFault(StripeFaultKind.Refused, "POST", "/v1/account_links"));
        var (refused, stripeSaid) = await AskForLinkAsync(platform, path);
        Assert.Equal(HttpStatusCode.BadGateway, refused);
        Assert.Contains("Stripe refused a new onboarding link", stripeSaid.GetProperty("error").GetString(),
            StringComparison.Ordinal);
    }

    /// <summary>Stripe slower than the API waits: 504, and Payout still answers the request later.</summary>
    private static async Task StripeTooSlowIsAnsweredAllTheSameAsync(PayoutRun r, HttpClient impatient, string path)
    {
        r.Stripe.InjectFault(
            new StripeFault(StripeFaultKind.Latency, "POST", "/v1/account_links", Delay: TimeSpan.FromSeconds(4)));
        var (late, lateWhy) = await AskForLinkAsync(impatient, path);
        Assert.Equal(HttpStatusCode.GatewayTimeout, late);
        Assert.Contains("did not answer in time", lateWhy.GetProperty("error").GetString(), StringComparison.Ordinal);
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM payout.onboarding_link_requests WHERE player_id = 'cy' AND outcome IS NULL") == 0;
        }, "the request the platform stopped waiting for answered all the same");
    }

    /// <summary>The platform asks for a fresh link: Payout mints a new one; nobody unknown gets one. The new
    /// link.</summary>
    private static async Task<string> AFreshLinkForTheWinnerOnlyAsync(HttpClient platform, string path,
        string account, string url)
    {
        var (status, fresh) = await AskForLinkAsync(platform, path);
        Assert.Equal(HttpStatusCode.OK, status);
        var freshUrl = fresh.GetProperty("url").GetString()!;
        Assert.Contains(account, freshUrl, StringComparison.Ordinal);
        Assert.NotEqual(url, freshUrl);
        var (unknown, why) = await AskForLinkAsync(platform, RecipientOnboardingNeeded.PathFor("nobody"));
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("no connected account is being onboarded", why.GetProperty("error").GetString(),
            StringComparison.Ordinal);
        return freshUrl;
    }

    private static async Task AtMostFiveLinksPerPlayerAndNoneOnATopicAsync(PayoutRun r, HttpClient platform,
        HttpClient impatient, string account)
    {
        for (var i = 1; i < PlayerApiOptions.OnboardingLinkLimitDefault; i++)
        {
            var answered = (await AskForLinkAsync(i % 2 == 0 ? platform : impatient,
                RecipientOnboardingNeeded.PathFor("nobody"))).Status;
            HttpStatusCode[] expected = i % 2 == 0
                ? [HttpStatusCode.NotFound] : [HttpStatusCode.NotFound, HttpStatusCode.GatewayTimeout];
            Assert.Contains(answered, expected);
        }
        using (var sixth = await platform.PostAsync(RecipientOnboardingNeeded.PathFor("nobody"), null))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
            var retryAfter = sixth.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
            Assert.InRange(retryAfter, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
            Assert.Contains("at most 5 onboarding links per player per 600 s",
                (await sixth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(),
                StringComparison.Ordinal);
        }
        await using (var conn = await r.Run.Iso.DataSource.OpenConnectionAsync())
            Assert.Equal(5L, await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM payout.onboarding_link_requests WHERE player_id = 'nobody'"));
        Assert.All(r.World.Read(Topics.PayoutsStatus).Concat(r.World.Read(Topics.Notifications)), m =>
        {
            Assert.DoesNotContain("_emulator/onboarding", m.Body.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(account + "?", m.Body.GetRawText(), StringComparison.Ordinal);
        });
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> AskForLinkAsync(HttpClient platform,
        string path)
    {
        using var response = await platform.PostAsync(path, null);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task
        A_payout_above_the_review_threshold_is_held_until_an_operator_releases_it_and_a_rejected_one_is_never_sent()
    {
        var r = await SharedAsync();
        await r.World.SignUpForPayoutsAsync("di");
        await r.World.SignUpForPayoutsAsync("ed");
        var big = Order("c4", "di", 60_000);
        var other = Order("c4", "ed", 70_000, rank: 2);
        Publish(r, big);
        Publish(r, other);
        await WaitForStateAsync(r, big.PayoutId, "held:" + HoldKinds.Review);
        await WaitForStateAsync(r, other.PayoutId, "held:" + HoldKinds.Review);
        Assert.Empty(TransfersOf(r, big.PayoutId));

        await DecideAsync(r, big, PayoutReviewDecided.Release, "d1");
        await DecideAsync(r, other, PayoutReviewDecided.Reject, "d2");
        await WaitForStateAsync(r, big.PayoutId, PayoutStatusNames.Paid);
        await WaitForStateAsync(r, other.PayoutId, PayoutStatusNames.Rejected);
        Assert.Equal(60_000, Assert.Single(TransfersOf(r, big.PayoutId)).Amount);
        Assert.Empty(TransfersOf(r, other.PayoutId));
        await Eventually.UntilAsync(() => Status(r, other.PayoutId).Any(m => m.Type == PayoutRejected.MessageType),
            "PayoutRejected on payouts.status");
    }

    [Fact]
    public async Task A_payout_the_balance_cannot_cover_is_held_with_a_critical_alert_and_resumes_when_the_balance_can()
    {
        await using var r = await StartAsync(balance: 1_000);
        await r.World.SignUpForPayoutsAsync("fi");
        var order = Order("c5", "fi", 5_000);
        Publish(r, order);
        await WaitForStateAsync(r, order.PayoutId, "held:" + HoldKinds.Balance);
        await Eventually.UntilAsync(() =>
            r.World.Read(Topics.Alerts).Any(m => m.Body.GetProperty("code").GetString() == "payout_held_balance"
            && m.Body.GetProperty("severity").GetString() == "critical"), "a critical balance alert");
        r.Stripe.TopUp(10_000, "usd");
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
    }

    [Fact]
    public async Task A_balance_kept_between_rounds_is_read_again_before_it_holds_a_payout_so_a_top_up_is_seen_at_once()
    {
        // The transfer job keeps the balance it read for an hour here: only reading it again when it would hold a
        // payout for balance pays the second prize, which the kept figure (spent down by the first) cannot cover.
        await using var r = await StartAsync(balance: 6_000,
            settings: new() { [PayoutOptions.Settings.BalanceReuseMs] = "3600000" });
        await r.World.SignUpForPayoutsAsync("hal");
        var first = Order("c9", "hal", 5_000);
        Publish(r, first);
        await WaitForStateAsync(r, first.PayoutId, PayoutStatusNames.Paid);
        r.Stripe.TopUp(10_000, "usd");
        var second = Order("c10", "hal", 4_000);
        Publish(r, second);
        await WaitForStateAsync(r, second.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, second.PayoutId));
        Assert.False(r.World.Read(Topics.Alerts)
            .Any(m => m.Body.GetProperty("code").GetString() == "payout_held_balance"),
            "no payout was held for balance: the kept figure was read again, not trusted");
    }

    [Fact]
    public async Task Stripe_answering_500s_and_dropping_a_created_transfer_still_gives_exactly_one_transfer()
    {
        var r = await SharedAsync();
        await r.World.SignUpForPayoutsAsync("gus");
        // The client retries within one round; these outlast a round, then the transfer is made but its answer lost.
        r.Stripe.InjectFault(new StripeFault(StripeFaultKind.ServerError, "POST", "/v1/transfers", Count: 6));
        r.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDropped, "POST", "/v1/transfers", Count: 1));
        var order = Order("c6", "gus", 999);
        Publish(r, order);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
    }

    [Fact]
    public async Task A_disputed_entry_fee_freezes_its_prize_until_the_dispute_is_won()
    {
        var r = await SharedAsync();
        await r.World.SignUpForPayoutsAsync("hal");
        var payment = r.World.Pay("c7", "hal", 1_000);
        var dispute = r.Stripe.CreateDispute(payment);
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.freezes') IS NOT NULL")
                && await conn.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE payment_intent_id = @payment)", new { payment });
        }, "the dispute to freeze the payment");
        var order = Order("c7", "hal", 700, paymentIntent: payment);
        Publish(r, order);
        await WaitForStateAsync(r, order.PayoutId, "held:" + HoldKinds.Frozen);
        r.Stripe.CloseDispute(dispute, won: true);
        await WaitForStateAsync(r, order.PayoutId, PayoutStatusNames.Paid);
        Assert.Single(TransfersOf(r, order.PayoutId));
    }

    [Fact]
    public async Task A_refund_order_delivered_twice_refunds_once_and_reports_it()
    {
        var r = await SharedAsync();
        var payment = r.World.Pay("c8", "ivy", 1_000);
        var order = new RefundOrdered(RefundOrdered.RefundIdFor(payment), "c8", "ivy", payment, 1_000, "USD",
            "contest cancelled");
        r.World.CancelledByReferee("c8");
        r.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "c8", RefundOrdered.MessageType, order.RefundId,
            order);
        r.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "c8", RefundOrdered.MessageType,
            order.RefundId + "-again", order);
        List<OutsideWorld.Published> Refunded() =>
            [.. r.World.Read(Topics.PayoutsStatus).Where(m => m.Type == EntryFeeRefunded.MessageType
            && m.Body.GetProperty("refundId").GetString() == order.RefundId)];
        await Eventually.UntilAsync(() => Refunded().Count > 0, "EntryFeeRefunded on payouts.status");
        var refund = Assert.Single(r.Stripe.Ledger().Refunds, f => f.PaymentIntent == payment);
        Assert.Equal((payment, 1_000L, order.RefundId), (refund.PaymentIntent, refund.Amount, refund.IdempotencyKey));
        Assert.Single(Refunded());
    }

    /// <summary>
    /// A decision as cpctl sends it: naming the hold it decides and the payout's version, as they are now.
    /// </summary>
    private static async Task DecideAsync(PayoutRun r, PrizePayoutOrdered o, string decision, string id)
    {
        await using var conn = await r.Run.Iso.DataSource.OpenConnectionAsync();
        var (hold, version) = await conn.QueryFirstAsync<(string, int)>(
            "SELECT CASE WHEN state = 'held' THEN hold_kind ELSE state END, version FROM payout.payouts "
            + "WHERE payout_id = @PayoutId", o);
        r.World.Publish(Topics.PayoutsDue, o.ContestId, PayoutReviewDecided.MessageType,
            PayoutReviewDecided.MessageIdFor(id),
            new PayoutReviewDecided(id, o.PayoutId, o.ContestId, decision, "test-operator", "checked",
                DateTimeOffset.UtcNow, hold, version));
    }
}
