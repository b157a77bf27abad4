using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Operator.Local;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A whole intake-and-referee deployment for one test: its own database and broker, the
/// Stripe-compatible server over HTTP, and the ingestion and scoring workers as real
/// processes. Publishes as the outside world does (operators, the provider, the entry API)
/// and reads what the pipeline published.
/// </summary>
public sealed class ContestRun : IAsyncDisposable
{
    private readonly PipelineFixture _fixture;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly Dictionary<string, ChildProcess> _workers = new();

    public Isolated Iso { get; }
    public StripeEmulator Stripe { get; }

    private ContestRun(PipelineFixture fixture, Isolated iso, StripeEmulator stripe)
    {
        _fixture = fixture;
        Iso = iso;
        Stripe = stripe;
        _producer = KafkaClients.Producer(KafkaClients.ProducerConfig(iso.Broker.BootstrapServers, "outside-world"), NullLogger.Instance);
    }

    public static async Task<ContestRun> StartAsync(PipelineFixture fixture, int stripeSeed = 7, params string[] workers)
    {
        var iso = await fixture.IsolatedAsync();
        var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = stripeSeed });
        var run = new ContestRun(fixture, iso, stripe);
        foreach (var w in workers.Length == 0 ? ["ingestion", "scoring"] : workers) run.StartWorker(w);
        return run;
    }

    public ChildProcess StartWorker(string name, string? crashAt = null)
    {
        var process = ChildProcess.StartDotnet(name, RepoPaths.WorkerDll(name), [],
            new Dictionary<string, string?>
            {
                [PipelineSettings.PostgresVariable] = Iso.PostgresConnectionString,
                [PipelineSettings.KafkaVariable] = Iso.Broker.BootstrapServers,
                [StripeServices.UrlVariable] = Stripe.BaseUrl.ToString(),
                [StripeServices.KeyVariable] = Stripe.ApiKey,
                [CrashPoints.Variable] = crashAt,
            },
            Path.Combine(_fixture.WorkDirectory, $"{name}-{Guid.NewGuid():N}.log"));
        _workers[name] = process;
        return process;
    }

    public async Task KillWorkerAsync(string name)
    {
        await _workers[name].KillAsync();
        await _workers[name].DisposeAsync();
        _workers.Remove(name);
    }

    public void Publish<T>(string topic, string key, string type, string messageId, T body)
    {
        var message = OutgoingMessage.Create(topic, key, new Envelope(messageId, type, 1, messageId, null, DateTimeOffset.UtcNow), body);
        PublishRaw(topic, key, message.Payload, message.Headers);
    }

    public void PublishRaw(string topic, string? key, byte[]? value, IEnumerable<Header> headers)
    {
        var h = new Headers();
        foreach (var header in headers) h.Add(header.Name, header.Value);
        _producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = key is null ? null : Encoding.UTF8.GetBytes(key), Value = value, Headers = h });
        _producer.Flush(TimeSpan.FromSeconds(30));
    }

    // The outside world's vocabulary.
    /// <summary>
    /// Defines a contest once the feed has scheduled its games: a definition naming a game
    /// the feed has not scheduled is rejected. Different content is a different message.
    /// </summary>
    public void Define(ContestDefined d, bool expectAccepted = true)
    {
        WaitFor("the feed to schedule " + string.Join(", ", d.GameIds), "ingestion.games",
            "SELECT count(*) = cardinality(@ids) FROM ingestion.games WHERE game_id = ANY(@ids) AND status <> 'unknown'", new { ids = d.GameIds.ToArray() });
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(d, OutgoingMessage.Json)))[..12];
        Publish(Topics.Contests, d.ContestId, ContestDefined.MessageType, $"def:{d.ContestId}:{hash}", d);
        // Players can enter a contest only once it is visible, i.e. scheduled.
        if (expectAccepted)
            WaitFor($"contest {d.ContestId} to be scheduled", "ingestion.contests",
                "SELECT EXISTS (SELECT 1 FROM ingestion.contests WHERE contest_id = @id)", new { id = d.ContestId });
    }

    private void WaitFor(string what, string table, string sql, object args)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        using var conn = Iso.DataSource.OpenConnection();
        while (DateTime.UtcNow < deadline)
        {
            if (conn.ExecuteScalar<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table }) && conn.ExecuteScalar<bool>(sql, args)) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    public void Submit(EntrySubmitted s) => Publish(Topics.Entries, s.ContestId, EntrySubmitted.MessageType, $"sub:{s.SubmissionId}", s);
    public void Feed(string gameId, long sequence, string type, object body) =>
        Publish(Topics.ProviderFeed, gameId, type, $"feed:{gameId}:{sequence}", body);

    public void Schedule(string game, long seq, DateTimeOffset startsAt, params string[] athletes) =>
        Feed(game, seq, GameScheduled.MessageType, new GameScheduled(game, seq, startsAt, athletes));
    public void Start(string game, long seq) => Feed(game, seq, GameStarted.MessageType, new GameStarted(game, seq, DateTimeOffset.UtcNow));
    public void Stat(string game, long seq, string athlete, string stat, long value) =>
        Feed(game, seq, StatUpdated.MessageType, new StatUpdated(game, seq, athlete, stat, value));
    public void Correct(string game, long seq, string athlete, string stat, long value) =>
        Feed(game, seq, StatCorrected.MessageType, new StatCorrected(game, seq, athlete, stat, value));
    public void End(string game, long seq) => Feed(game, seq, GameEnded.MessageType, new GameEnded(game, seq, DateTimeOffset.UtcNow));

    /// <summary>A payment as the entry API would have taken it, for <paramref name="player"/> in <paramref name="contest"/>.</summary>
    public string Pay(string contest, string player, long amount, string currency = "usd", string status = "succeeded") =>
        Stripe.CreatePaymentIntent(amount, currency, status, new Dictionary<string, string> { ["contest_id"] = contest, ["player_id"] = player });

    /// <summary>Every message on <paramref name="topic"/> so far: type, key and body.</summary>
    public List<(string Type, string Key, JsonElement Body, IReadOnlyDictionary<string, string> Headers)> Read(string topic)
    {
        var config = KafkaClients.ConsumerConfig(Iso.Broker.BootstrapServers, "reader." + Guid.NewGuid().ToString("N"));
        config.EnableAutoCommit = false;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        var partitions = Enumerable.Range(0, Topics.PartitionCountDefault).Select(p => new TopicPartition(topic, p)).ToList();
        var ends = partitions.Sum(p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (results.Count < ends && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is { IsPartitionEOF: false }) results.Add(r);
        }
        return [.. results.OrderBy(r => r.Message.Timestamp.UnixTimestampMs).ThenBy(r => r.Offset.Value).Select(r =>
        {
            var headers = r.Message.Headers.GroupBy(h => h.Key).ToDictionary(g => g.Key, g => Encoding.UTF8.GetString(g.Last().GetValueBytes()));
            var body = r.Message.Value is { Length: > 0 } v ? TryParse(v) : default;
            return (headers.GetValueOrDefault(MessageHeaders.Type, ""), Encoding.UTF8.GetString(r.Message.Key ?? []), body, (IReadOnlyDictionary<string, string>)headers);
        })];
    }

    private static JsonElement TryParse(byte[] bytes)
    {
        try { return JsonDocument.Parse(bytes).RootElement.Clone(); }
        catch (JsonException) { return JsonDocument.Parse("null").RootElement.Clone(); }
    }

    public async Task<string?> StateAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        var exists = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('scoring.contests') IS NOT NULL");
        return exists ? await conn.QueryFirstOrDefaultAsync<string>("SELECT state FROM scoring.contests WHERE contest_id = @contestId", new { contestId }) : null;
    }

    public Task WaitForStateAsync(string contestId, string state, int seconds = 60) =>
        Stage.WaitUntilAsync(async () => await StateAsync(contestId) == state, TimeSpan.FromSeconds(seconds), $"contest {contestId} {state} (workers' logs in {_fixture.WorkDirectory})");

    public async Task<List<(int Rank, string EntryId, string PlayerId, long ScoreMilli)>> FinalStandingsAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<(int, string, string, long)>(
            "SELECT rank, entry_id, player_id, score_milli FROM scoring.final_standings WHERE contest_id = @contestId ORDER BY rank, entry_id COLLATE \"C\"",
            new { contestId })];
    }

    public async Task<(string StandingsHash, string InputsHash)> HashesAsync(string contestId)
    {
        await using var conn = await Iso.DataSource.OpenConnectionAsync();
        return await conn.QueryFirstAsync<(string, string)>("SELECT standings_hash, inputs_hash FROM scoring.contests WHERE contest_id = @contestId", new { contestId });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers.Values) await w.DisposeAsync();
        _producer.Dispose();
        await Stripe.DisposeAsync();
        await Iso.DisposeAsync();
    }
}
