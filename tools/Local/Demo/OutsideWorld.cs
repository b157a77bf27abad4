using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Players;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Microsoft.Extensions.Logging.Abstractions;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Local.Demo;

/// <summary>
/// Publishes as the world outside the pipeline does (operators defining contests, the entry
/// API submitting paid entries, the sports-data provider's feed) and reads what the
/// pipeline published. Used by the demo, and by the tests through their harness. It holds the
/// local signing keys (<see cref="LocalSigningKeys"/>): what it publishes on an internal topic is
/// signed as the producer the table allows for it (operators' definitions and cancels, the
/// entry API's submissions, and, where a test stands in for a worker, that worker), as the
/// real producer would sign it; the provider's feed is not signed.
/// </summary>
public sealed class OutsideWorld(string bootstrapServers, StripeEmulator stripe, SigningKeys? keys = null) : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer =
        KafkaClients.Producer(KafkaClients.ProducerConfig(bootstrapServers, "outside-world"), NullLogger.Instance);

    public StripeEmulator Stripe { get; } = stripe;

    /// <summary>The keys it signs with.</summary>
    public SigningKeys Keys { get; } = keys ?? LocalSigningKeys.Keys;

    /// <summary>
    /// Publishes signed as the first producer the table allows for the type on the topic; unsigned on a topic that is
    /// not internal.
    /// </summary>
    public void Publish<T>(string topic, string key, string type, string messageId, T body) =>
        PublishAs(PublishRights.Pipeline.ProducersOf(topic, type).FirstOrDefault(), topic, key, type, messageId, body);

    /// <summary>Publishes signed as <paramref name="producer"/> (null: not signed).</summary>
    public void PublishAs<T>(string? producer, string topic, string key, string type, string messageId, T body)
    {
        var message = OutgoingMessage.Create(topic, key,
            new Envelope(messageId, type, 1, messageId, null, DateTimeOffset.UtcNow), body);
        var headers = producer is null ? message.Headers
            : Sign(producer, topic, message.Key, message.Payload, message.Headers,
                (body as IOperatorDecision)?.Operator);
        PublishRaw(topic, key, message.Payload, headers);
    }

    /// <summary>
    /// A dead letter put back as <c>cpctl dlq redrive</c> does: the message again, signed as its producer would, with
    /// an operator's grant to apply it although its consumer dead-lettered it (without one it is skipped);
    /// <paramref name="producer"/> by default the first the table allows for it.
    /// </summary>
    public void Redrive<T>(string topic, string key, string type, string messageId, T body, string? producer = null)
    {
        var message = OutgoingMessage.Create(topic, key,
            new Envelope(messageId, type, 1, messageId, null, DateTimeOffset.UtcNow), body);
        producer ??= PublishRights.Pipeline.ProducersOf(topic, type).First();
        var grant = RedriveGrant.Sign(LocalSigningKeys.Operator(LocalSigningKeys.DefaultOperator),
            Deployment.KeyPairs.ReadersOf(topic), messageId, topic + ".dlq", "cause fixed", DateTimeOffset.UtcNow);
        var headers = Sign(producer, topic, message.Key, message.Payload, message.Headers,
            (body as IOperatorDecision)?.Operator);
        PublishRaw(topic, key, message.Payload, [.. headers, new Header(MessageHeaders.RedriveGrant, grant)]);
    }

    /// <summary>
    /// The headers with <paramref name="producer"/>'s signature, as its own process would sign them; as an operator's
    /// tool does, also with the own key of <paramref name="operator"/> (a local operator; by default
    /// <see cref="LocalSigningKeys.DefaultOperator"/>).
    /// </summary>
    public IReadOnlyList<Header> Sign(string producer, string topic, byte[]? key, byte[]? value,
        IReadOnlyList<Header> headers,
        string? @operator = null)
    {
        var signer = Keys.SignerFor(producer);
        if (producer == Producers.Operator)
            signer = signer.As(LocalSigningKeys.Operator(@operator ?? LocalSigningKeys.DefaultOperator));
        return signer.Sign(topic, key, headers, value);
    }

    public void PublishRaw(string topic, string? key, byte[]? value, IEnumerable<Header> headers)
    {
        _producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = key is null ? null : Encoding.UTF8.GetBytes(key),
            Value = value, Headers = KafkaClients.Headers(headers) });
        _producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Different content is a different message, so its id carries a hash of the content.</summary>
    public void Define(ContestDefined d)
    {
        var hash = DefinitionSeals.Hash(d)[..12];
        Publish(Topics.Contests, d.ContestId, ContestDefined.MessageType, $"def:{d.ContestId}:{hash}", Sealed(d));
    }

    /// <summary>
    /// The definition as the local operators seal it: by <see cref="LocalSigningKeys.DefaultOperator"/>, and by a
    /// second operator too when it needs two (or by <paramref name="operators"/>, as given).
    /// </summary>
    public static ContestDefined Sealed(ContestDefined d, params string[] operators)
    {
        string[] by = operators.Length > 0 ? operators
            : ContestLimits.SealsNeeded(d) > 1 ? [LocalSigningKeys.DefaultOperator, "bob"]
            : [LocalSigningKeys.DefaultOperator];
        return by.Aggregate(d, (sealedSoFar, o) => DefinitionSeals.Seal(sealedSoFar, LocalSigningKeys.Operator(o)));
    }

    public void Cancel(string contestId, string reason) =>
        Publish(Topics.Contests, contestId, ContestCancelRequested.MessageType, $"cancel:{contestId}",
            new ContestCancelRequested(contestId, reason, "operator", DateTimeOffset.UtcNow));

    /// <summary>
    /// The referee's cancel of a live contest as Scoring publishes it on contest.lifecycle, for a deployment without
    /// Scoring: what Payout waits for before it sends Settlement's refunds of the contest's fees.
    /// </summary>
    public void CancelledByReferee(string contestId, string reason = "cancelled by an operator") =>
        PublishAs(Producers.Scoring, Topics.ContestLifecycle, contestId, ContestStateChanged.MessageType,
            ContestStateChanged.MessageIdFor(contestId, ContestState.Cancelled), new ContestStateChanged(contestId,
                ContestLifecycle.Name(ContestState.Live), ContestLifecycle.Name(ContestState.Cancelled), reason,
                DateTimeOffset.UtcNow));

    /// <summary>A cancel by a named operator: a contest with paid entries takes two different ones.</summary>
    public void CancelAs(string contestId, string reason, string @operator) =>
        Publish(Topics.Contests, contestId, ContestCancelRequested.MessageType, $"cancel:{contestId}:{@operator}",
            new ContestCancelRequested(contestId, reason, @operator, DateTimeOffset.UtcNow));

    /// <summary>An operator's change to a player's limits, signed by <c>RequestedBy</c>'s own key.</summary>
    public void SetLimits(PlayerLimitsSet set) =>
        Publish(Topics.Contests, PlayerLimitsSet.KeyFor(set.PlayerId), PlayerLimitsSet.MessageType,
            $"limits:{set.PlayerId}:{set.RequestedBy}:{set.RequestedAt.ToUnixTimeMilliseconds()}", set);

    public void Submit(EntrySubmitted s) =>
        Publish(Topics.Entries, s.ContestId, EntrySubmitted.MessageType, $"sub:{s.SubmissionId}", s);

    public void Feed(string gameId, long sequence, string type, object body) =>
        Publish(Topics.ProviderFeed, gameId, type, $"feed:{gameId}:{sequence}", body);

    public void Schedule(string game, long seq, DateTimeOffset startsAt, params string[] athletes) =>
        Feed(game, seq, GameScheduled.MessageType, new GameScheduled(game, seq, startsAt, athletes));
    public void Start(string game, long seq, DateTimeOffset? at = null) =>
        Feed(game, seq, GameStarted.MessageType, new GameStarted(game, seq, at ?? DateTimeOffset.UtcNow));
    public void Postpone(string game, long seq, DateTimeOffset? newStartsAt, string? reason = null,
        DateTimeOffset? at = null) =>
        Feed(game, seq, GamePostponed.MessageType,
            new GamePostponed(game, seq, at ?? DateTimeOffset.UtcNow, newStartsAt, reason));
    public void Suspend(string game, long seq, string? reason = null, DateTimeOffset? at = null) =>
        Feed(game, seq, GameSuspended.MessageType, new GameSuspended(game, seq, at ?? DateTimeOffset.UtcNow, reason));
    public void Resume(string game, long seq, DateTimeOffset? at = null) =>
        Feed(game, seq, GameResumed.MessageType, new GameResumed(game, seq, at ?? DateTimeOffset.UtcNow));
    public void CancelGame(string game, long seq, string? reason = null, DateTimeOffset? at = null) =>
        Feed(game, seq, GameCancelled.MessageType, new GameCancelled(game, seq, at ?? DateTimeOffset.UtcNow, reason));
    public void Stat(string game, long seq, string athlete, string stat, long value) =>
        Feed(game, seq, StatUpdated.MessageType, new StatUpdated(game, seq, athlete, stat, value));
    public void Correct(string game, long seq, string athlete, string stat, long value) =>
        Feed(game, seq, StatCorrected.MessageType, new StatCorrected(game, seq, athlete, stat, value));
    public void End(string game, long seq, DateTimeOffset? at = null) =>
        Feed(game, seq, GameEnded.MessageType, new GameEnded(game, seq, at ?? DateTimeOffset.UtcNow));

    /// <summary>
    /// A player signs up for payouts as the platform's app would do it: an Express account
    /// with their player id in its metadata, onboarded at once. Stripe's account.updated then
    /// tells Payout, through the webhook receiver, that the player can receive. Returns the account id.
    /// </summary>
    public async Task<string> SignUpForPayoutsAsync(string player, bool finishOnboarding = true)
    {
        var account = await StripeClient.WriteAsync("POST /v1/accounts", $"signup:{player}",
            (s, o, t) => s.V1.Accounts.CreateAsync(
            new global::Stripe.AccountCreateOptions
            {
                Type = "express", Country = "US", Email = $"{player}@players.invalid",
                Capabilities = new() { Transfers = new() { Requested = true } },
                Metadata = new Dictionary<string, string> { ["player_id"] = player },
            }, o, t));
        if (finishOnboarding) Stripe.EnablePayouts(account.Id);
        return account.Id;
    }

    /// <summary>A Stripe client on the emulator, as the platform's own app would hold one.</summary>
    public StripeApi StripeClient => _stripeClient ??= new StripeApi(
        new StripeSettings { SecretKey = Stripe.ApiKey, BaseAddress = Stripe.BaseUrl },
        TimeProvider.System, NullLogger<StripeApi>.Instance);

    private StripeApi? _stripeClient;

    /// <summary>
    /// A payment as the entry API would have taken it, for <paramref name="player"/> in <paramref name="contest"/>.
    /// </summary>
    public string Pay(string contest, string player, long amount, string currency = "usd",
        string status = "succeeded") =>
        Stripe.CreatePaymentIntent(amount, currency, status, new Dictionary<string, string>
            { [PaymentMetadata.ContestId] = contest, [PaymentMetadata.PlayerId] = player });

    public sealed record Published(string Type, string Key, JsonElement Body,
        IReadOnlyDictionary<string, string> Headers);

    /// <summary>Every message on <paramref name="topic"/> so far, oldest first.</summary>
    public List<Published> Read(string topic) => [.. ReadRecords(topic).Select(r =>
    {
        var headers = r.Message.Headers.GroupBy(h => h.Key)
            .ToDictionary(g => g.Key, g => Encoding.UTF8.GetString(g.Last().GetValueBytes()));
        return new Published(headers.GetValueOrDefault(MessageHeaders.Type, ""),
            Encoding.UTF8.GetString(r.Message.Key ?? []),
            r.Message.Value is { Length: > 0 } v ? TryParse(v) : default, headers);
    })];

    /// <summary>
    /// Every record on <paramref name="topic"/> so far as it is on the wire (key, headers and body bytes), oldest
    /// first.
    /// </summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadRecords(string topic)
    {
        var config = KafkaClients.ConsumerConfig(bootstrapServers, "reader." + Guid.NewGuid().ToString("N"));
        config.EnableAutoCommit = false;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        var partitions = Enumerable.Range(0, Topics.PartitionCountDefault)
            .Select(p => new TopicPartition(topic, p)).ToList();
        var (results, _) = ReadToEnds(consumer, partitions, TimeSpan.FromSeconds(30));
        return [.. results.OrderBy(r => r.Message.Timestamp.UnixTimestampMs).ThenBy(r => r.Offset.Value)];
    }

    /// <summary>
    /// Reads each of <paramref name="partitions"/> from its beginning up to the end it had when asked, within
    /// <paramref name="patience"/>: counted over the topic, a message that arrived meanwhile on one partition would
    /// stand in for one not yet read on another. Returns what was read, in the order read, and how many partitions
    /// were not read to their end in time.
    /// </summary>
    public static (List<ConsumeResult<byte[]?, byte[]?>> Read, int Unfinished) ReadToEnds(
        IConsumer<byte[]?, byte[]?> consumer, IReadOnlyList<TopicPartition> partitions, TimeSpan patience)
    {
        var ends = partitions.Select(p => (p.Partition.Value, Watermarks(consumer, p)))
            .Where(e => e.Item2.High.Value > e.Item2.Low.Value).ToDictionary(e => e.Item1, e => e.Item2.High.Value);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + patience;
        while (ends.Count > 0 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is not { IsPartitionEOF: false } || !ends.TryGetValue(r.Partition.Value, out var end)) continue;
            if (r.Offset.Value < end) results.Add(r);
            if (r.Offset.Value >= end - 1) ends.Remove(r.Partition.Value);
        }
        return (results, ends.Count);
    }

    /// <summary>
    /// A partition's low and high offsets. An answer without an offset (-1001) would count as
    /// fewer messages than there are and end a read early with some missing, so it is asked
    /// again, as is a request that failed while a broker was down or a leader moved; one that
    /// persists is an error, not a short read.
    /// </summary>
    public static WatermarkOffsets Watermarks(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
    {
        for (var attempt = 1; ; attempt++)
        {
            WatermarkOffsets w;
            try
            {
                w = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            }
            catch (KafkaException e) when (!e.Error.IsFatal && attempt < 50)
            {
                // A broker down or a leader moving (the fault campaign does both): "Unknown partition" until the
                // metadata is fresh.
                Thread.Sleep(100);
                continue;
            }
            if (w.High.Value >= 0 && w.Low.Value >= 0) return w;
            if (attempt == 50)
                throw new InvalidOperationException(
                    $"the broker gives no watermarks for {partition}: low {w.Low}, high {w.High}");
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Messages in <paramref name="topic"/> that consumer group <paramref name="group"/> has not committed yet.
    /// </summary>
    public long Lag(string group, string topic) => Lag(bootstrapServers, group, topic);

    /// <summary>
    /// Messages in <paramref name="topic"/> that consumer group <paramref name="group"/> has not committed yet.
    /// </summary>
    public static long Lag(string bootstrapServers, string group, string topic)
    {
        var config = KafkaClients.ConsumerConfig(bootstrapServers, group);
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        using var admin = KafkaClients.Admin(bootstrapServers);
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        return committed.Sum(c =>
        {
            var high = Watermarks(consumer, c.TopicPartition).High.Value;
            return high - Math.Max(0, c.Offset.Value);
        });
    }

    private static JsonElement TryParse(byte[] bytes)
    {
        try { return JsonDocument.Parse(bytes).RootElement.Clone(); }
        catch (JsonException) { return JsonDocument.Parse("null").RootElement.Clone(); }
    }

    public void Dispose()
    {
        _producer.Dispose();
        _stripeClient?.Dispose();
    }
}
