using System.Net.Http.Headers;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// One payout deployment for a test: its own database and broker, the Stripe-compatible
/// server over HTTP with its events coming back through the real webhook receiver, and the
/// payout worker as a real process (or two), with settings the test chooses. Orders and
/// decisions are published as Settlement and cpctl publish them.
/// </summary>
public sealed class PayoutHarness : IAsyncDisposable
{
    /// <summary>
    /// Short waits, every gate open unless a test closes it: the suspicious patterns and the spacing off, limits far
    /// away.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Open { get; } = new Dictionary<string, string?>
    {
        [PayoutOptions.Settings.RetryDelayBaseMs] = "200",
        [PayoutOptions.Settings.BalanceRecheckMs] = "300",
        [PayoutOptions.Settings.LeaseMs] = "1000",
        [PayoutOptions.Settings.AccountRecheckMs] = "500",
        [PayoutOptions.Settings.ReviewThresholdMinor] = "5000000",
        [PayoutOptions.Settings.NewAccountAmountMaxMinor] = "5000000",
        [PayoutOptions.Settings.SuspiciousFirstPayoutMinor] = "5000000",
        [PayoutOptions.Settings.SuspiciousLifetimeShareBp] = "10000",
        [PayoutOptions.Settings.SuspiciousDayCountMin] = "1000",
        [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = "0",
    };

    private readonly Dictionary<string, string?> _env;
    private readonly List<ChildProcess> _replaced = [];
    private ChildProcess? _current;

    private PayoutHarness(ContestRun run, LocalWebhooks webhooks, Dictionary<string, string?> env)
    {
        Run = run;
        Webhooks = webhooks;
        _env = env;
    }

    public ContestRun Run { get; }
    public LocalWebhooks Webhooks { get; }
    public OutsideWorld World => Run.World;
    public StripeEmulator Stripe => Run.Stripe;

    /// <summary>
    /// The deployment with the payout worker running under <see cref="Open"/> changed by <paramref name="settings"/>.
    /// </summary>
    public static async Task<PayoutHarness> StartAsync(PipelineFixture fixture,
        IReadOnlyDictionary<string, string?>? settings = null,
        long balance = 10_000_000, string? crashAt = null, bool startWorker = true)
    {
        var run = await ContestRun.StartEmptyAsync(fixture, 11);
        var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        if (balance > 0) run.Stripe.TopUp(balance, "usd");
        var env = new Dictionary<string, string?>(Open);
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) env[k] = v;
        var harness = new PayoutHarness(run, webhooks, env);
        if (startWorker) harness.StartWorker(crashAt);
        return harness;
    }

    /// <summary>
    /// A payout worker process; one more if one runs (the harness then stops the earlier one at
    /// the end; the last started is the one <see cref="ContestRun"/> tracks as "payout").
    /// </summary>
    public ChildProcess StartWorker(string? crashAt = null)
    {
        if (_current is { HasExited: false }) _replaced.Add(_current);
        return _current = Run.StartWorker("payout", crashAt, _env);
    }

    /// <summary>
    /// Stops the payout worker (SIGTERM) and starts it again under <see cref="Open"/> changed by
    /// <paramref name="settings"/>: one deployment for cases that differ only in the worker's settings.
    /// </summary>
    public async Task RestartWorkerAsync(IReadOnlyDictionary<string, string?> settings)
    {
        if (_current is not null) await StopWorkerAsync();
        _env.Clear();
        foreach (var (k, v) in Open) _env[k] = v;
        foreach (var (k, v) in settings) _env[k] = v;
        StartWorker();
    }

    /// <summary>Stops the payout worker the harness runs (SIGTERM), as an operator stops it before a restore.</summary>
    public async Task StopWorkerAsync()
    {
        await Run.StopWorkerAsync("payout");
        _current = null;
    }

    public static PrizePayoutOrdered Order(string contest, string player, long net, int rank = 1,
        string? paymentIntent = null) =>
        new($"prize_{contest}_{player}", contest, $"entry_{contest}_{player}", player, rank, net + net / 30, net / 30,
            net, "USD", paymentIntent);

    /// <summary>
    /// The order as Settlement publishes it: after an authorization that covers it (one per order here), and after its
    /// winner paid an entry fee of the prize's net into the contest on Stripe (<see cref="Fund"/>), unless
    /// <paramref name="funded"/> is false.
    /// </summary>
    public void Publish(PrizePayoutOrdered o, bool funded = true)
    {
        if (funded) Fund(Run, o);
        var authorization = new ContestPayoutsAuthorized("test:" + o.PayoutId, o.ContestId, 1, o.NetMinor, o.Currency,
            DateTimeOffset.UtcNow);
        World.Publish(Topics.PayoutsDue, o.ContestId, ContestPayoutsAuthorized.MessageType,
            ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
        World.Publish(Topics.PayoutsDue, o.ContestId, PrizePayoutOrdered.MessageType, o.PayoutId, o);
    }

    /// <summary>
    /// The order's winner pays an entry fee of its net into its contest on Stripe (pending, so the platform's available
    /// balance, which some tests set, stays as it was), and Payout is given up to 60 s to verify it, as the entry fees
    /// of a real contest are verified long before it settles. A payout worker that is not running does not verify it
    /// then: the prize is held for funds until it does.
    /// </summary>
    public static string? Fund(ContestRun run, PrizePayoutOrdered o)
    {
        if (o.NetMinor <= 0) return null;
        var paymentIntent = run.Stripe.CreatePaymentIntent(o.NetMinor, o.Currency.ToLowerInvariant(), "succeeded",
            new Dictionary<string, string> { [PaymentMetadata.ContestId] = o.ContestId,
                [PaymentMetadata.PlayerId] = o.PlayerId }, pending: true);
        // A test that turned Stripe's webhooks off still has Payout told to look: the event only names the payment.
        if (run.Stripe.WebhookEndpoint is null)
        {
            var created = run.Stripe.Now.ToUnixTimeSeconds();
            var lookNow = System.Text.Json.Nodes.JsonNode.Parse($$$"""
                {"id": "evt_look_{{{paymentIntent}}}", "object": "event",
                 "api_version": "{{{StripeSettings.ApiVersion}}}",
                 "created": {{{created}}}, "livemode": false, "type": "payment_intent.succeeded", "pending_webhooks": 0,
                 "data": {"object": {"id": "{{{paymentIntent}}}", "object": "payment_intent", "created": {{{created}}},
                   "livemode": false, "metadata": {} } } }
                """)!;
            run.World.PublishAs(Producers.Webhooks, Topics.StripeEvents, paymentIntent, StripeEventReceived.MessageType,
                "evt_look_" + paymentIntent, lookNow);
        }
        Task.Run(async () =>
        {
            var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
            while (DateTimeOffset.UtcNow < deadline)
            {
                await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
                if (await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.verified_payments') IS NOT NULL")
                    && await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM payout.verified_payments "
                        + "WHERE payment_intent_id = @paymentIntent)", new { paymentIntent }))
                    return;
                await Task.Delay(100);
            }
        }).GetAwaiter().GetResult();
        return paymentIntent;
    }

    /// <summary>The payout as "state" or "held:kind", or null while it is not there.</summary>
    public async Task<string?> StateAsync(string payoutId)
    {
        await using var conn = await Run.Iso.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.payouts') IS NOT NULL")
            ? await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT state || coalesce(':' || hold_kind, '') FROM payout.payouts WHERE payout_id = @payoutId",
                new { payoutId })
            : null;
    }

    public async Task<(string State, string? HoldKind, int Version, string Reason, string? AttemptKey,
        int KeyGeneration)> RowAsync(string payoutId)
    {
        await using var conn = await Run.Iso.DataSource.OpenConnectionAsync();
        return await conn.QueryFirstAsync<(string, string?, int, string, string?, int)>(
            "SELECT state, hold_kind, version, reason, attempt_key, key_generation FROM payout.payouts "
            + "WHERE payout_id = @payoutId", new { payoutId });
    }

    public async Task WaitForStateAsync(string payoutId, string state, int seconds = 45)
    {
        try
        {
            await Eventually.UntilAsync(async () => await StateAsync(payoutId) == state, $"payout {payoutId} {state}",
                TimeSpan.FromSeconds(seconds));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            await using var conn = await Run.Iso.DataSource.OpenConnectionAsync();
            var now = await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT state || ' ' || coalesce(hold_kind, '') || ': ' || reason FROM payout.payouts "
                + "WHERE payout_id = @payoutId", new { payoutId });
            var events = string.Join("; ", await conn.QueryAsync<string>(
                "SELECT type || ' ' || object_id || ' ' || outcome FROM payout.stripe_events ORDER BY received_at"));
            throw new Xunit.Sdk.XunitException($"{e.Message}; it is {now ?? "unknown"}; events: {events}", e);
        }
    }

    public Task ExecuteAsync(string sql, object? args = null) => WithConnection(c => c.ExecuteAsync(sql, args));

    public Task<T> ScalarAsync<T>(string sql, object? args = null) =>
        WithConnection(c => c.ExecuteScalarAsync<T>(sql, args))!;

    private async Task<T> WithConnection<T>(Func<Npgsql.NpgsqlConnection, Task<T>> work)
    {
        await using var conn = await Run.Iso.DataSource.OpenConnectionAsync();
        return await work(conn);
    }

    /// <summary>Waits until <paramref name="sql"/> (a boolean over Payout's tables) holds.</summary>
    public Task WaitForAsync(string what, string sql, object? args = null, int seconds = 30) =>
        Eventually.UntilAsync(async () =>
            await ScalarAsync<bool>("SELECT to_regclass('payout.stripe_events') IS NOT NULL")
            && await ScalarAsync<bool>(sql, args), what, TimeSpan.FromSeconds(seconds));

    /// <summary>
    /// Waits for the account onboarding made able to receive. Often the first wait after <see cref="StartAsync"/>, so
    /// it also waits for the worker to start, migrate and join its groups, then for the account's events through the
    /// receiver: 60 s, where a run beside other work once took more than 30.
    /// </summary>
    public Task WaitForRecipientAsync(string player) =>
        WaitForAsync($"{player}'s account to be known as able to receive",
            "SELECT EXISTS (SELECT 1 FROM payout.recipients WHERE player_id = @player AND can_receive)", new { player },
            seconds: 60);

    /// <summary>
    /// Waits until Payout has applied an event (it is in payout.stripe_events) and returns what it made of it. A minute
    /// by default: the event may wait for a worker just started again, whose start took over 30 s at a load of 67.
    /// </summary>
    public async Task<string> OutcomeOfAsync(string eventId, string contains = "", int seconds = 60)
    {
        await WaitForAsync($"event {eventId} applied{(contains.Length > 0 ? $" ({contains})" : "")}",
            "SELECT EXISTS (SELECT 1 FROM payout.stripe_events WHERE event_id = @eventId "
            + "AND outcome LIKE '%' || @contains || '%')",
            new { eventId, contains }, seconds);
        return await ScalarAsync<string>(
            "SELECT outcome FROM payout.stripe_events WHERE event_id = @eventId", new { eventId });
    }

    public List<RecordedTransfer> TransfersOf(string payoutId) =>
        [.. Stripe.Ledger().Transfers.Where(t => t.Metadata.GetValueOrDefault("payout_id") == payoutId)];

    public List<RecordedRequest> TransferPosts() =>
        [.. Stripe.Requests().Where(q => q.Method == "POST" && q.Path == "/v1/transfers")];

    /// <summary>
    /// Each transfer POST as a failing assert shows it: its key, status and whether Stripe replayed it.
    /// </summary>
    public string DescribeTransferPosts() =>
        string.Join("; ", TransferPosts().Select(q => $"{q.IdempotencyKey} {q.Status} replayed={q.Replayed}"));

    /// <summary>
    /// How many lock requests in this deployment's database wait (on <paramref name="relation"/>, or on anything):
    /// how a test holding a table knows that a claim reached it.
    /// </summary>
    public Task<long> LockWaitersAsync(string? relation = null) => ScalarAsync<long>("""
        SELECT count(*) FROM pg_locks WHERE NOT granted AND (@relation::text IS NULL OR relation = @relation::regclass)
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """, new { relation });

    /// <summary>
    /// A decision as cpctl sends it: naming the hold it decides and the payout's version as
    /// they are now, unless the test names others (a stale decision). Returns the message id.
    /// </summary>
    public async Task<string> DecideAsync(PrizePayoutOrdered o, string decision, string id, string? hold = null,
        int? version = null)
    {
        var row = await RowAsync(o.PayoutId);
        var messageId = PayoutReviewDecided.MessageIdFor(id);
        World.Publish(Topics.PayoutsDue, o.ContestId, PayoutReviewDecided.MessageType, messageId,
            new PayoutReviewDecided(id, o.PayoutId, o.ContestId, decision, "test-operator", "checked",
                DateTimeOffset.UtcNow,
                hold ?? (row.State == PayoutStatusNames.Held ? row.HoldKind : row.State), version ?? row.Version));
        return messageId;
    }

    public Task<string> ReleaseAsync(PrizePayoutOrdered o, string id) =>
        DecideAsync(o, PayoutReviewDecided.Release, id);

    /// <summary>
    /// A release naming <paramref name="operator"/>, of the hold and version the payout is at now, decided at
    /// <paramref name="decidedAt"/> (now by default) and signed, as the operator tools sign, with the own key of
    /// <paramref name="signedBy"/> (by default the operator it names). Returns the message id.
    /// </summary>
    public async Task<string> ReleaseAsAsync(PrizePayoutOrdered o, string id, string @operator, string? signedBy = null,
        DateTimeOffset? decidedAt = null)
    {
        var row = await RowAsync(o.PayoutId);
        var messageId = PayoutReviewDecided.MessageIdFor(id);
        var body = new PayoutReviewDecided(id, o.PayoutId, o.ContestId, PayoutReviewDecided.Release, @operator,
            "checked",
            decidedAt ?? DateTimeOffset.UtcNow, row.State == PayoutStatusNames.Held ? row.HoldKind : row.State,
            row.Version);
        var message = OutgoingMessage.Create(Topics.PayoutsDue, o.ContestId,
            new Envelope(messageId, PayoutReviewDecided.MessageType, PayoutReviewDecided.SchemaVersion, messageId, null,
                DateTimeOffset.UtcNow), body);
        World.PublishRaw(Topics.PayoutsDue, o.ContestId, message.Payload,
            World.Sign(Producers.Operator, Topics.PayoutsDue,
            message.Key, message.Payload, message.Headers, signedBy ?? @operator));
        return messageId;
    }

    /// <summary>Dead letters of payouts.due so far, each with its reason.</summary>
    public List<(string MessageId, string Reason)> DeadLetters(string topic = Topics.PayoutsDue) =>
        [.. World.Read(Topics.DeadLetter(topic))
            .Select(m => (m.Headers[MessageHeaders.MessageId], m.Headers[MessageHeaders.DeadLetterReason]))];

    public async Task<string> DeadLetterReasonAsync(string messageId, string topic = Topics.PayoutsDue)
    {
        await Eventually.UntilAsync(() => Task.FromResult(DeadLetters(topic).Any(d => d.MessageId == messageId)),
            $"{messageId} dead-lettered", TimeSpan.FromSeconds(30));
        return DeadLetters(topic).Last(d => d.MessageId == messageId).Reason;
    }

    public bool Alerted(string code, string? severity = null) =>
        World.Read(Topics.Alerts).Any(m => m.Body.GetProperty("code").GetString() == code
            && (severity is null || m.Body.GetProperty("severity").GetString() == severity));

    public Task WaitForAlertAsync(string code, string? severity = null) =>
        Eventually.UntilAsync(() => Task.FromResult(Alerted(code, severity)),
            $"a{(severity is null ? "" : " " + severity)} {code} alert", TimeSpan.FromSeconds(30));

    /// <summary>
    /// POSTs an event body to the webhook receiver signed as Stripe signs it, as Stripe would deliver it.
    /// </summary>
    public async Task DeliverSignedAsync(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        using var http = new HttpClient();
        using var request =
            new HttpRequestMessage(HttpMethod.Post, Webhooks.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(StripeWebhookSignature.HeaderName,
            StripeWebhookSignature.Sign(body, Stripe.WebhookSecret, DateTimeOffset.UtcNow));
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode,
            $"the receiver answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _replaced) await worker.DisposeAsync();
        await Run.DisposeAsync();
        await Webhooks.DisposeAsync();
    }
}
