using System.Net.Http.Headers;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Stripe;
using ContestPipeline.Webhooks.Forwarding;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using WebhookReceiver = ContestPipeline.Webhooks.WebhookReceiver;
using ContestPipeline.Webhooks;

namespace ContestPipeline.Tests.Webhooks;

/// <summary>
/// The Stripe webhook receiver over real HTTP, producing to the local broker over TCP; each
/// test has its own topic, so it sees only its own events.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class WebhookReceiverTests(PipelineFixture fixture) : IDisposable
{
    private const string Secret = "whsec_current";
    private const string NextSecret = "whsec_next";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly ManualClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));

    public void Dispose() => _http.Dispose();

    private async Task<(WebhookReceiver Receiver, string Topic)> StartAsync(params string[] secrets)
    {
        var topic = await fixture.NewTopicAsync();
        var receiver = await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = fixture.BootstrapServers,
            SigningSecrets = secrets.Length == 0 ? [Secret] : secrets,
            Signer = LocalSigningKeys.Keys.SignerFor(Producers.Webhooks),
            Clock = _clock,
            Topic = topic,
        });
        return (receiver, topic);
    }

    /// <summary>
    /// A Stripe event as Stripe writes it. The indentation and field order are deliberate:
    /// the body must reach Kafka exactly as sent, never re-serialised.
    /// </summary>
    private async Task<(WebhookReceiver Receiver, string Topic, string Alerts)> StartInAsync(
        DeploymentEnvironment environment)
    {
        var topic = await fixture.NewTopicAsync();
        var alerts = await fixture.NewTopicAsync();
        var receiver = await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = fixture.BootstrapServers,
            SigningSecrets = [Secret],
            Clock = _clock,
            Topic = topic,
            AlertsTopic = alerts,
            Signer = LocalSigningKeys.Keys.SignerFor(Producers.Webhooks),
            Environment = environment,
        });
        return (receiver, topic, alerts);
    }

    private byte[] Event(string id, string type = "transfer.created", string objectId = "tr_1", string? account = null,
        bool livemode = false) =>
        Encoding.UTF8.GetBytes($$"""
            {
              "id": "{{id}}",
              "object": "event",
              "api_version": "2024-06-20",
              "created": {{_clock.GetUtcNow().ToUnixTimeSeconds() - 2}},
              "data": {
                "object": { "id": "{{objectId}}", "object": "transfer", "amount": 1250, "currency": "usd" }
              },
              {{(account is null ? "" : $"\"account\": \"{account}\",")}}
              "livemode": {{(livemode ? "true" : "false")}},
              "pending_webhooks": 1,
              "request": { "id": "req_1", "idempotency_key": "payout:po-1" },
              "type": "{{type}}"
            }
            """);

    private string Sign(byte[] body, string secret = Secret) =>
        StripeWebhookSignature.Sign(body, secret, _clock.GetUtcNow());

    private Task<(HttpStatusCode Status, string Text)> PostAsync(Uri url, byte[] body, string? signature) =>
        PostAsync(url, new ByteArrayContent(body), signature);

    private async Task<(HttpStatusCode Status, string Text)> PostAsync(Uri url, HttpContent content, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
            request.Headers.TryAddWithoutValidation(StripeWebhookSignature.HeaderName, signature);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Messages on the topic by its high watermarks: exact, with no waiting, because the
    /// receiver answers only after Kafka acknowledged (and a refusal produces nothing).
    /// </summary>
    private long MessagesOn(string topic)
    {
        var config =
            KafkaClients.ConsumerConfig(fixture.BootstrapServers, "watermarks." + Guid.NewGuid().ToString("N"));
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        using var admin = KafkaClients.Admin(fixture.BootstrapServers);
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId),
                TimeSpan.FromSeconds(10)).High.Value);
    }

    private static string HeaderText(ConsumeResult<byte[]?, byte[]?> r, string name) =>
        Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(name));

    [Fact]
    public async Task A_signed_event_lands_on_the_topic_once_with_its_raw_body_key_and_headers()
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Event("evt_1", "payout.paid", "po_1", account: "acct_winner");

        var (status, text) = await PostAsync(receiver.Url, body, Sign(body));

        Assert.Equal((HttpStatusCode.OK, "evt_1"), (status, text));
        Assert.Equal(1, MessagesOn(topic));
        var m = Assert.Single(fixture.ReadAll(topic, 1));
        Assert.Equal(body, m.Message.Value);
        Assert.Equal("po_1", Encoding.UTF8.GetString(m.Message.Key!));
        Assert.Equal(
            [
                (MessageHeaders.MessageId, "evt_1"),
                (MessageHeaders.Type, StripeEventReceived.MessageType),
                (MessageHeaders.SchemaVersion, "1"),
                (MessageHeaders.CorrelationId, "evt_1"),
                (MessageHeaders.OccurredAt, Envelope.FormatTimestamp(_clock.GetUtcNow().AddSeconds(-2))),
                (StripeEventReceived.EventTypeHeader, "payout.paid"),
                (StripeEventReceived.AccountHeader, "acct_winner"),
                (MessageHeaders.Producer, Producers.Webhooks),
            ],
            m.Message.Headers.Where(h => h.Key != MessageHeaders.Signatures)
                .Select(h => (h.Key, Encoding.UTF8.GetString(h.GetValueBytes()))));
        // Signed as the webhooks producer, once for each consumer of stripe.events, over this topic, key, headers and
        // body: Payout would take it, and so would Ingestion and the read model, each checking its own signature.
        Assert.Matches("^ingestion:local-1:[0-9a-f]{64},operations:local-1:[0-9a-f]{64},payout:local-1:[0-9a-f]{64}$",
            Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes(MessageHeaders.Signatures)));
        var rights =
            PublishRights.Pipeline.With(new PublishRight(topic, StripeEventReceived.MessageType, [Producers.Webhooks]));
        var headers = IncomingMessage.HeadersOf(m.Message.Headers);
        foreach (var consumer in new[] { "ingestion", "operations", "payout" })
            Assert.Null(LocalSigningKeys.Keys.Verifier(consumer, rights)
                .Refusal(topic, m.Message.Key, headers, m.Message.Value));
        Assert.StartsWith("unauthenticated: signature does not match",
            LocalSigningKeys.Keys.Verifier("payout", rights)
                .Refusal(topic, "po_2"u8.ToArray(), headers, m.Message.Value));
    }

    [Theory]
    [InlineData(null, "signature: MissingHeader")]
    [InlineData("v1=0123", "signature: MalformedHeader")]
    [InlineData("t=1767225598", "signature: MalformedHeader")]
    [InlineData("whsec_someone_else", "signature: NoMatchingSignature")]
    public async Task A_bad_signature_is_refused_with_400_and_nothing_reaches_the_topic(string? signature,
        string reason)
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Event("evt_bad");
        // A row naming another secret is a well-formed header signed under that secret.
        var header = signature?.StartsWith("whsec_", StringComparison.Ordinal) == true ? Sign(body, signature)
            : signature;

        var (status, text) = await PostAsync(receiver.Url, body, header);

        Assert.Equal((HttpStatusCode.BadRequest, reason), (status, text));
        Assert.Equal(0, MessagesOn(topic));
    }

    [Fact]
    public async Task An_event_signed_longer_ago_than_the_tolerance_is_refused_with_400_as_a_replay()
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Event("evt_old");
        var signature = Sign(body);

        _clock.Advance(TimeSpan.FromSeconds(301));
        var (status, text) = await PostAsync(receiver.Url, body, signature);

        Assert.Equal((HttpStatusCode.BadRequest, "signature: TimestampOutsideTolerance"), (status, text));
        Assert.Equal(0, MessagesOn(topic));
    }

    [Fact]
    public async Task A_valid_signature_over_a_tampered_body_is_refused_with_400()
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Event("evt_tampered");
        var signature = Sign(body);
        var tampered =
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("1250", "9250", StringComparison.Ordinal));

        var (status, text) = await PostAsync(receiver.Url, tampered, signature);

        Assert.Equal((HttpStatusCode.BadRequest, "signature: NoMatchingSignature"), (status, text));
        Assert.Equal(0, MessagesOn(topic));
    }

    [Fact]
    public async Task During_secret_rotation_an_event_signed_with_either_secret_or_both_is_accepted()
    {
        var (receiver, topic) = await StartAsync(Secret, NextSecret);
        await using var _ = receiver;
        var (old, next, both) = (Event("evt_old_secret"), Event("evt_next_secret"), Event("evt_both_secrets"));
        // Stripe signs with every secret of the endpoint while one is rolled: one t, two v1 values.
        // The first v1 here is under a secret this receiver does not know; one match is enough.
        var bothHeader = Sign(both, "whsec_retired") + "," + Sign(both, NextSecret).Split(',')[1];

        var answers = new[]
        {
            await PostAsync(receiver.Url, old, Sign(old, Secret)),
            await PostAsync(receiver.Url, next, Sign(next, NextSecret)),
            await PostAsync(receiver.Url, both, bothHeader),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(3, MessagesOn(topic));
        Assert.Equal(["evt_both_secrets", "evt_next_secret", "evt_old_secret"],
            fixture.ReadAll(topic, 3).Select(r => HeaderText(r, MessageHeaders.MessageId)).Order());
    }

    [Theory]
    [InlineData("{ not json", "event: not JSON")]
    [InlineData("""[{"id":"evt_1","type":"transfer.created"}]""", "event: not a JSON object")]
    [InlineData("""{"type":"transfer.created","data":{"object":{"id":"tr_1"}}}""", "event: no id")]
    [InlineData("""{"id":"","object":"event","type":"x","data":{"object":{"id":"tr_1"}}}""", "event: no id")]
    [InlineData("""{"id":"evt_1","object":"event","data":{"object":{"id":"tr_1"}},"livemode":false}""",
        "event: no type")]
    public async Task A_correctly_signed_body_without_an_id_and_a_type_is_refused_with_400(string json, string reason)
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Encoding.UTF8.GetBytes(json);

        var (status, text) = await PostAsync(receiver.Url, body, Sign(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(reason, text, StringComparison.Ordinal);
        Assert.Equal(0, MessagesOn(topic));
    }

    /// <summary>
    /// Stripe retries a refused event for three days and then disables the endpoint, so every
    /// signed event with an id and a type goes through, whatever else it lacks; the consumers
    /// dead-letter what they cannot use, with the reason.
    /// </summary>
    [Theory]
    [InlineData("""{"id":"evt_min","type":"transfer.created"}""", "evt_min")]
    [InlineData("""
        {"id":"evt_no_version","object":"event","created":1767225598,
         "data":{"object":{"id":"tr_7","object":"transfer"}},"livemode":false,"type":"transfer.created"}
        """, "tr_7")]
    [InlineData("""
        {"id":"evt_balance","object":"event","api_version":null,"created":1767225598,
         "data":{"object":{"object":"balance"}},"livemode":false,"request":null,"type":"balance.available"}
        """, "evt_balance")]
    [InlineData("""
        {"id":"evt_odd","object":"event","created":"yesterday","data":"elsewhere","livemode":"maybe","type":"x.y"}
        """, "evt_odd")]
    public async Task A_correctly_signed_event_with_an_id_and_a_type_is_forwarded_whatever_else_its_shape(string json,
        string key)
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Encoding.UTF8.GetBytes(json);

        var (status, text) = await PostAsync(receiver.Url, body, Sign(body));

        Assert.Equal(HttpStatusCode.OK, status);
        var m = Assert.Single(fixture.ReadAll(topic, 1));
        Assert.Equal(body, m.Message.Value);
        Assert.Equal((key, text), (Encoding.UTF8.GetString(m.Message.Key!), HeaderText(m, MessageHeaders.MessageId)));
    }

    [Theory]
    [InlineData(DeploymentEnvironment.Test, true)]
    [InlineData(DeploymentEnvironment.Staging, true)]
    [InlineData(DeploymentEnvironment.Production, false)]
    public async Task An_event_of_the_other_mode_is_refused_with_400_and_a_critical_alert(
        DeploymentEnvironment environment, bool livemode)
    {
        var (receiver, topic, alerts) = await StartInAsync(environment);
        await using var _ = receiver;
        var other = Event("evt_other_mode", livemode: livemode);
        var same = Event("evt_same_mode", livemode: !livemode);

        var (status, text) = await PostAsync(receiver.Url, other, Sign(other));
        var (sameStatus, _) = await PostAsync(receiver.Url, same, Sign(same));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("livemode: event evt_other_mode", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, sameStatus);
        Assert.Equal(["evt_same_mode"], fixture.ReadAll(topic, 1).Select(r => HeaderText(r, MessageHeaders.MessageId)));
        var alert = Assert.Single(fixture.ReadAll(alerts, 1));
        using var body = JsonDocument.Parse(alert.Message.Value);
        Assert.Equal(("critical", "livemode_mismatch", "evt_other_mode"),
            (body.RootElement.GetProperty("severity").GetString(), body.RootElement.GetProperty("code").GetString(),
                body.RootElement.GetProperty("subject").GetString()));
        Assert.Equal(1, receiver.Rejections[WebhookOutcome.LivemodeMismatch]);
    }

    [Fact]
    public async Task A_flood_of_forged_requests_is_counted_in_full_and_logged_at_a_bounded_rate()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var topic = await fixture.NewTopicAsync();
        var started = DateTime.UtcNow;
        var receiver = await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = fixture.BootstrapServers,
            SigningSecrets = [Secret],
            Clock = TimeProvider.System,
            Signer = LocalSigningKeys.Keys.SignerFor(Producers.Webhooks),
            Topic = topic,
            LoggerFactory = new CollectingLoggerFactory(lines),
        });
        const int flood = 8_000;
        var forged = Encoding.UTF8.GetBytes("""{"id":"evt_forged","type":"transfer.created"}""");
        var header = StripeWebhookSignature.Sign(forged, "whsec_attacker", DateTimeOffset.UtcNow);
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, flood), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) =>
        {
            var (status, _) = await PostAsync(receiver.Url, forged, i % 4 == 0 ? null : header);
            statuses.Add(status);
        });
        var rejections = receiver.Rejections;
        await receiver.DisposeAsync();
        var elapsed = DateTime.UtcNow - started;

        Assert.Equal(flood, statuses.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Equal((flood / 4L, flood - flood / 4L),
            (rejections[WebhookOutcome.SignatureMissing], rejections[WebhookOutcome.SignatureNotMatching]));
        Assert.Equal(0, MessagesOn(topic));
        // One line when the first came in, at most one per interval after it, and one at shutdown for the rest.
        var bound = 2 + (int)(elapsed.TotalMilliseconds / WebhookLimits.RejectionLogIntervalMs);
        var refusedLines = lines.Where(l => l.Contains("refused", StringComparison.Ordinal)).ToList();
        Assert.InRange(refusedLines.Count, 1, bound);
        Assert.Contains(refusedLines, l => l.Contains("8,000 in all", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_over_512_KiB_is_refused_with_413()
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = new byte[WebhookLimits.BodyBytesMax + 1];
        Array.Fill(body, (byte)' ');

        var (status, _) = await PostAsync(receiver.Url, body, Sign(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(0, MessagesOn(topic));
    }

    [Fact]
    public async Task
        Requests_beyond_the_concurrency_bound_are_refused_with_503_and_a_refused_event_retried_later_arrives_once()
    {
        var topic = await fixture.NewTopicAsync();
        await using var receiver = await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = fixture.BootstrapServers,
            SigningSecrets = [Secret],
            Signer = LocalSigningKeys.Keys.SignerFor(Producers.Webhooks),
            Clock = _clock,
            Topic = topic,
            ConcurrentRequestsMax = 2,
        });

        // Two deliveries whose bodies are still arriving hold both permits.
        using var release = new CancellationTokenSource();
        var held = new[] { "evt_held_1", "evt_held_2" }.Select(id =>
        {
            var body = TrickledContent.Padded(Event(id, objectId: "tr_" + id));
            return PostAsync(receiver.Url, new TrickledContent(body, release.Token), Sign(body));
        }).ToList();
        await Eventually.UntilAsync(() => receiver.InFlight == 2, "both held deliveries in flight");

        // Every request beyond them is refused at once, before its body is read: Stripe retries a 503.
        var late = Event("evt_late", objectId: "tr_late");
        for (var i = 0; i < 3; i++)
        {
            var (status, text) = await PostAsync(receiver.Url, late, Sign(late));
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "2 requests already in flight"), (status, text));
        }
        Assert.Equal(3, receiver.Rejections[WebhookOutcome.Busy]);
        Assert.Equal(0, MessagesOn(topic));

        // The held ones finish and are forwarded; the refused event, retried, arrives once.
        await release.CancelAsync();
        Assert.All(await Task.WhenAll(held), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(receiver.Url, late, Sign(late))).Status);
        Assert.Equal(["evt_held_1", "evt_held_2", "evt_late"],
            fixture.ReadAll(topic, 3).Select(m => HeaderText(m, MessageHeaders.MessageId))
                .Order(StringComparer.Ordinal));
        Assert.Equal(3, MessagesOn(topic));
        Assert.Equal(0, receiver.InFlight);
    }

    /// <summary>
    /// A body that keeps arriving until released: 128 KiB of leading whitespace (part of the signed
    /// JSON) in small pieces, well above Kestrel's minimum body data rate, its last piece only once
    /// released.
    /// </summary>
    private sealed class TrickledContent(byte[] body, CancellationToken release) : HttpContent
    {
        public static byte[] Padded(byte[] body) => [.. Enumerable.Repeat((byte)' ', 128 * 1024), .. body];

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            const int piece = 1024;
            var sent = 0;
            for (; sent < body.Length - piece && !release.IsCancellationRequested; sent += piece)
            {
                await stream.WriteAsync(body.AsMemory(sent, piece));
                await stream.FlushAsync();
                try { await Task.Delay(100, release); } catch (OperationCanceledException) { }
            }
            try { await Task.Delay(Timeout.Infinite, release); } catch (OperationCanceledException) { }
            await stream.WriteAsync(body.AsMemory(sent));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task An_event_type_the_pipeline_does_not_handle_is_still_forwarded_for_the_consumer_to_decide()
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Event("evt_new_kind", "issuing_card.created", "ic_1");

        var (status, _) = await PostAsync(receiver.Url, body, Sign(body));

        Assert.Equal(HttpStatusCode.OK, status);
        var m = Assert.Single(fixture.ReadAll(topic, 1));
        Assert.Equal("issuing_card.created", HeaderText(m, StripeEventReceived.EventTypeHeader));
        Assert.False(m.Message.Headers.TryGetLastBytes(StripeEventReceived.AccountHeader, out var _));
    }

    [Fact]
    public async Task The_same_event_delivered_three_times_is_three_messages_with_one_message_id_and_one_effect()
    {
        var (receiver, topic) = await StartAsync();
        await using var _ = receiver;
        var body = Event("evt_dup", "transfer.created", "tr_dup");

        // Stripe re-sends an event it is unsure about, each time signed afresh.
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await PostAsync(receiver.Url, body, Sign(body));
            Assert.Equal(HttpStatusCode.OK, status);
            _clock.Advance(TimeSpan.FromSeconds(30));
        }

        var messages = fixture.ReadAll(topic, 3);
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m => Assert.Equal(("evt_dup", "tr_dup"),
            (HeaderText(m, MessageHeaders.MessageId), Encoding.UTF8.GetString(m.Message.Key!))));

        // The receiver does not deduplicate: the consumers' inbox does, by (consumer, message
        // id) in the same transaction as the effect, so the three messages are one effect.
        var schema = await fixture.NewSchemaAsync();
        var consumer = new InboxConsumer(fixture.DataSource, fixture.BootstrapServers, [new RecordStripeEvent(schema)],
            new InboxConsumerOptions { Consumer = schema + ".stripe", Schema = schema, Topics = [topic] },
            new CrashPoints(null), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => consumer.RunAsync(stop.Token));
        await Eventually.UntilAsync(() => consumer.Stats.Applied + consumer.Stats.Duplicates >= 3,
            "three deliveries consumed");
        await stop.CancelAsync();
        await running;

        Assert.Equal((1L, 2L), (consumer.Stats.Applied, consumer.Stats.Duplicates));
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        Assert.Equal(["evt_dup"], await conn.QueryAsync<string>($"SELECT message_id FROM {schema}.effects"));
    }

    [Fact]
    public async Task The_Stripe_emulator_delivers_its_events_through_the_receiver_to_the_topic()
    {
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Clock = _clock });
        var (receiver, topic) = await StartAsync(stripe.WebhookSecret);
        await using var _ = receiver;
        stripe.WebhookEndpoint = receiver.Url;

        // A succeeded payment is announced by Stripe itself, as payment_intent.succeeded.
        var intent = stripe.CreatePaymentIntent(1_000, "usd");
        var succeeded = stripe.Events().Single(e => e.Type == "payment_intent.succeeded" && e.ObjectId == intent).Id;
        var dispute = stripe.CreateDispute(intent);
        stripe.RedeliverEvent(succeeded);

        var messages = fixture.ReadAll(topic, 3);
        var events = stripe.Events().ToDictionary(e => e.Id);
        Assert.Equal(2, events.Count);
        Assert.Equal(
            [(events.Keys.Single(id => id != succeeded), "charge.dispute.created", dispute),
                (succeeded, "payment_intent.succeeded", intent), (succeeded, "payment_intent.succeeded", intent)],
            messages.Select(m => (HeaderText(m, MessageHeaders.MessageId),
                HeaderText(m, StripeEventReceived.EventTypeHeader), Encoding.UTF8.GetString(m.Message.Key!)))
                .OrderBy(m => m.Item2, StringComparer.Ordinal).ThenBy(m => m.Item1, StringComparer.Ordinal));
        Assert.All(messages, m => Assert.Equal(
            StripeEventReader.TryParse(m.Message.Value, out var e, out var unread) ? e.Id : unread,
            HeaderText(m, MessageHeaders.MessageId)));
        // The emulator records an attempt after it has the answer, which may be just after the message is readable.
        await Eventually.UntilAsync(() => stripe.WebhookDeliveries().Count == 3, "three webhook attempts recorded");
        Assert.All(stripe.WebhookDeliveries(), d => Assert.Equal((1, 200), (d.Attempt, d.Status)));
    }

    [Fact]
    public async Task With_Kafka_unreachable_the_receiver_answers_503_so_that_Stripe_retries()
    {
        await using var receiver = await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = "127.0.0.1:1",
            SigningSecrets = [Secret],
            Signer = LocalSigningKeys.Keys.SignerFor(Producers.Webhooks),
            Clock = _clock,
            DeliveryTimeout = TimeSpan.FromSeconds(1),
        });
        var body = Event("evt_unheard");

        var (status, text) = await PostAsync(receiver.Url, body, Sign(body));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("kafka: ", text, StringComparison.Ordinal);
    }

    /// <summary>Every line logged, formatted, for counting what a flood writes.</summary>
    private sealed class CollectingLoggerFactory(System.Collections.Concurrent.ConcurrentQueue<string> lines)
        : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) { }
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Collecting(lines);
        public void Dispose() { }

        private sealed class Collecting(System.Collections.Concurrent.ConcurrentQueue<string> lines)
            : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel,
                Microsoft.Extensions.Logging.EventId eventId, TState state,
                Exception? exception, Func<TState, Exception?, string> formatter) =>
                    lines.Enqueue(formatter(state, exception));
        }
    }

    /// <summary>A consumer's effect of a Stripe event: one row per applied message.</summary>
    private sealed class RecordStripeEvent(string schema) : IMessageHandler
    {
        public string MessageType => StripeEventReceived.MessageType;
        public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

        public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
            context.Connection.ExecuteAsync(
                $"INSERT INTO {schema}.effects (message_id, msg_key, seq) VALUES (@id, @key, 0)",
                new { id = message.Envelope.MessageId, key = message.Key }, context.Transaction);
    }
}
