using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// What an on-call engineer sees: the metrics and spans a contest leaves behind (the four
/// workers run in this process, so a MeterListener and an ActivityListener hear them),
/// readiness following the database, and JSON log lines carrying the message they are about.
/// </summary>
[Collection(ObservedCollection.Name)]
public sealed partial class ObservabilityTests(PipelineFixture fixture)
{
    private sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    [Fact]
    public async Task
        A_paid_contest_shows_in_the_workers_metrics_and_each_handled_message_has_a_span_with_its_correlation_id()
    {
        var measured = new ConcurrentQueue<Measured>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineTelemetry.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measured.Enqueue(new Measured(instrument.Name, value, Tags(tags))));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            measured.Enqueue(new Measured(instrument.Name, value, Tags(tags))));
        meters.Start();
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PipelineTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(tracing);

        await using var run = await ContestRun.StartEmptyAsync(fixture, 21);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        run.Stripe.TopUp(1_000_000, "usd");
        var hosts = new List<IHost>();
        try
        {
            foreach (var worker in Workers.Names)
            {
                var host = await PipelineWorker.BuildAsync(Arguments(run, worker), WorkerDefinitions.All[worker]);
                await host.StartAsync();
                hosts.Add(host);
            }

            await RunAPaidContestWithOneBadMessageAsync(run);
            meters.RecordObservableInstruments();
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }

        AssertTheWorkersMetrics(measured.ToList(), run);
        AssertTheEntrysSpanAndThePrizes(run, spans);
    }

    /// <summary>A contest of three paid entries run to PAID, and a message refused for its body.</summary>
    private static async Task RunAPaidContestWithOneBadMessageAsync(ContestRun run)
    {
        var lineups = new Dictionary<string, string[]>
            { ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"] };
        foreach (var player in lineups.Keys) await run.World.SignUpForPayoutsAsync(player);
        var lockAt = DateTimeOffset.UtcNow.AddSeconds(20);
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1", "wr1");
        run.Define(Fantasy("obs", lockAt, ["g1"]));
        foreach (var (player, lineup) in lineups)
            run.World.Submit(Entry("s-" + player, "obs", player, run.World.Pay("obs", player, Fee), lineup));
        // Bad input, for the dead-letter and alert figures.
        // Signed by the operator, so it is refused for its body, not as unauthenticated.
        var junk = "not json"u8.ToArray();
        run.World.PublishRaw(Topics.Contests, "junk", junk,
            run.World.Sign(Producers.Operator, Topics.Contests, "junk"u8.ToArray(), junk,
                OutgoingMessage.EnvelopeHeaders(
                    new Envelope("junk-1", "ContestDefined", 1, "junk-1", null, DateTimeOffset.UtcNow))));
        await run.WaitForStateAsync("obs", "LOCKED");
        run.World.Start("g1", 2);
        run.World.Stat("g1", 3, "qb1", "passing_yards", 750);
        run.World.Stat("g1", 4, "rb1", "rushing_yards", 200);
        run.World.Stat("g1", 5, "wr1", "receiving_yards", 100);
        run.World.End("g1", 6);
        await run.WaitForSettlementStateAsync("obs", "PAID", TimeSpan.FromSeconds(120));
    }

    private static void AssertTheWorkersMetrics(List<Measured> all, ContestRun run)
    {
        double Sum(string instrument, params (string Tag, object Value)[] where) =>
            all.Where(m => m.Instrument == instrument && where.All(w =>
                Equals(m.Tags.GetValueOrDefault(w.Tag)?.ToString(), w.Value.ToString()))).Sum(m => m.Value);
        int Count(string instrument, params (string Tag, object Value)[] where) =>
            all.Count(m => m.Instrument == instrument
                && where.All(w => Equals(m.Tags.GetValueOrDefault(w.Tag)?.ToString(), w.Value.ToString())));

        Assert.True(
            Sum("contestpipeline.consumer.messages", ("consumer", "ingestion.entries"), ("outcome", "applied")) >= 3);
        Assert.True(
            Sum("contestpipeline.consumer.messages", ("consumer", "payout.orders"), ("outcome", "applied")) >= 3);
        Assert.Equal(1,
            Sum("contestpipeline.consumer.messages", ("consumer", "ingestion.contests"), ("outcome", "dead_lettered")));
        Assert.True(Count("contestpipeline.handler.duration", ("consumer", "payout.orders"),
            ("message_type", PrizePayoutOrdered.MessageType)) >= 1);
        Assert.True(Count("contestpipeline.outbox.relay_latency", ("schema", "settlement")) >= 3);
        Assert.Equal(3, Sum("contestpipeline.stripe.requests", ("endpoint", "POST /v1/transfers"), ("status", 200)));
        Assert.Equal(3, Sum("contestpipeline.payouts", ("state", PayoutStatusNames.Paid)));
        var paid = run.Stripe.Ledger().Transfers.Where(t => t.TransferGroup == "obs").Sum(t => t.Amount);
        Assert.Equal(paid,
            Sum("contestpipeline.payouts.amount", ("state", PayoutStatusNames.Paid), ("currency", "usd")));
        Assert.Equal(1, Sum("contestpipeline.alerts", ("code", "dead_letter"), ("source", "ingestion.contests")));
        Assert.Equal(1, Sum("contestpipeline.contests", ("worker", "settlement"), ("state", "PAID")));
        Assert.Equal(1, Sum("contestpipeline.contests", ("worker", "scoring"), ("state", "COMPLETE")));
        Assert.True(Count("contestpipeline.consumer.lag", ("consumer", "scoring.games")) >= 1);
        Assert.True(Count("contestpipeline.outbox.backlog", ("schema", "payout")) >= 1);
    }

    private static void AssertTheEntrysSpanAndThePrizes(ContestRun run, ConcurrentQueue<Activity> spans)
    {
        // The entry's span carries the correlation id its message came with, and sits in the trace that id names.
        var entry = run.World.Read(Topics.Entries).First(m => m.Key == "obs");
        var correlation = entry.Headers[MessageHeaders.CorrelationId];
        var span = Assert.Single(spans, s => s.OperationName == $"ingestion.entries {entry.Type}"
            && (string?)s.GetTagItem("messaging.message.id") == entry.Headers[MessageHeaders.MessageId]);
        Assert.Equal(correlation, span.GetTagItem("contestpipeline.correlation_id"));
        Assert.Equal(PipelineTelemetry.TraceIdFor(correlation), span.TraceId);
        Assert.Equal(Topics.Entries, span.GetTagItem("messaging.destination.name"));
        // A prize's order, its Stripe transfer (made by the job, its own span) and its status are all seen.
        Assert.Contains(spans, s => s.OperationName == $"payout.orders {PrizePayoutOrdered.MessageType}");
        Assert.Contains(spans, s => s.OperationName == "stripe POST /v1/transfers"
            && (int?)s.GetTagItem("http.response.status_code") == 200);
    }

    [Fact]
    public async Task
        Readiness_turns_false_while_Postgres_is_unreachable_and_true_when_it_is_back_and_json_logs_carry_the_message()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        var iso = run.Iso;
        var target = new Npgsql.NpgsqlConnectionStringBuilder(iso.PostgresConnectionString);
        await using var proxy = TcpProxy.Start(target.Host!, target.Port);
        var viaProxy = new Npgsql.NpgsqlConnectionStringBuilder(iso.PostgresConnectionString)
            { Host = "127.0.0.1", Port = proxy.Port };
        var lines = new ConcurrentQueue<string>();
        // Settlement as compose has it (its health port, JSON logs), through the proxy, noticing a lost database within
        // 3 s.
        var spec = LocalServices.Prepare(Services.Settlement, run.Swaps with { Postgres = viaProxy.ConnectionString });
        var env = new Dictionary<string, string?>(spec.Environment)
        {
            [PipelineSettings.PostgresVariable] = new Npgsql.NpgsqlConnectionStringBuilder(
                spec.Environment[PipelineSettings.PostgresVariable]) { Timeout = 3 }.ConnectionString,
        };
        await using var worker = LocalServices.Start(spec with { Environment = env },
            Path.Combine(fixture.WorkDirectory, $"health-{Guid.NewGuid():N}.log"), lines.Enqueue);
        Uri? url = null;
        await Eventually.UntilAsync(() =>
        {
            url = lines.Select(l => HealthUrl().Match(l)).Where(m => m.Success).Select(m => new Uri(m.Groups[1].Value))
                .FirstOrDefault();
            return Task.FromResult(url is not null || worker.HasExited);
        }, "the worker to log its health endpoint", TimeSpan.FromSeconds(60));
        Assert.False(worker.HasExited, "the worker exited: " + string.Join('\n', lines));
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        await WaitForStatusAsync(http, Observability.ReadyPath, HttpStatusCode.OK, "ready once migrated and joined");
        proxy.Down = true;
        var notReady = await WaitForStatusAsync(http, Observability.ReadyPath, HttpStatusCode.ServiceUnavailable,
            "not ready while Postgres is unreachable");
        Assert.Contains("postgres: unreachable", notReady, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Observability.LivePath)).StatusCode);
        proxy.Down = false;
        await WaitForStatusAsync(http, Observability.ReadyPath, HttpStatusCode.OK, "ready again once Postgres is back");

        // A message of a type nobody reads is dead-lettered; the line that says so carries the message.
        var world = new Local.Demo.OutsideWorld(iso.Broker.BootstrapServers, null!);
        world.Publish(Topics.Canary, "k1", "NoSuchType", "odd-1", new { x = 1 });
        world.Dispose();
        JsonElement line = default;
        await Eventually.UntilAsync(() =>
        {
            foreach (var l in lines.Where(l => l.StartsWith('{')
                && l.Contains("dead-lettered odd-1", StringComparison.Ordinal)))
                line = JsonDocument.Parse(l).RootElement.Clone();
            return Task.FromResult(line.ValueKind == JsonValueKind.Object);
        }, "the dead-letter log line", TimeSpan.FromSeconds(30));
        var scope = line.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("MessageId", out _));
        Assert.Equal("odd-1", scope.GetProperty("MessageId").GetString());
        Assert.Equal("odd-1", scope.GetProperty("CorrelationId").GetString());
        Assert.Equal(Topics.Canary, scope.GetProperty("Topic").GetString());
        Assert.True(scope.TryGetProperty("Partition", out _) && scope.TryGetProperty("Offset", out _));
        Assert.All(lines.Where(l => l.Length > 0 && !l.StartsWith("Unhandled", StringComparison.Ordinal)),
            l => Assert.StartsWith("{", l, StringComparison.Ordinal));

        // Prometheus scrapes the same port: the pipeline's meters in its text format, the dead letter counted.
        var scraped = "";
        await Eventually.UntilAsync(async () =>
        {
            scraped = await http.GetStringAsync(Observability.MetricsPath.TrimStart('/'));
            return scraped.Contains("outcome=\"dead_lettered\"", StringComparison.Ordinal);
        }, "the dead letter in the Prometheus scrape", TimeSpan.FromSeconds(30));
        Assert.Contains("# TYPE contestpipeline_consumer_messages", scraped, StringComparison.Ordinal);
        await worker.StopAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<string> WaitForStatusAsync(HttpClient http, string path,
        HttpStatusCode status, string what)
    {
        var body = "";
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync(path);
                body = await response.Content.ReadAsStringAsync();
                return response.StatusCode == status;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, what, TimeSpan.FromSeconds(90));
        return body;
    }

    [GeneratedRegex(@"Health endpoint (http://[^ ""]+?/)health/live")]
    private static partial Regex HealthUrl();

    private static Dictionary<string, object?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var t in tags) d[t.Key] = t.Value;
        return d;
    }

    /// <summary>
    /// The settings each in-process worker reads, its identity as compose gives it, as command-line
    /// configuration (this process's environment is shared).
    /// </summary>
    private static string[] Arguments(ContestRun run, string worker) =>
    [
        .. LocalServices.Prepare(Services.Of(worker), run.Swaps).Environment.Where(e => e.Value is not null)
            .Select(e => $"--{e.Key}={e.Value}"),
        "--CONTESTPIPELINE_PAYOUT_RETRY_DELAY_BASE_MS=200",
        "--CONTESTPIPELINE_PAYOUT_ACCOUNT_RECHECK_MS=500",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>
    /// A TCP forwarder standing in for a database that goes away: while <see cref="Down"/> it
    /// cuts every connection and refuses new ones, as a stopped server does, without stopping the
    /// cluster every other test shares.
    /// </summary>
    private sealed class TcpProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly string _host;
        private readonly int _port;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
        private volatile bool _down;

        private TcpProxy(string host, int port)
        {
            _host = host;
            _port = port;
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public bool Down
        {
            get => _down;
            set
            {
                _down = value;
                if (value) foreach (var c in _open.Keys) c.Dispose();
            }
        }

        public static TcpProxy Start(string host, int port)
        {
            var proxy = new TcpProxy(host, port);
            proxy._listener.Start();
            _ = proxy.AcceptAsync();
            return proxy;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                if (_down)
                {
                    client.Dispose();
                    continue;
                }
                _ = PipeAsync(client);
            }
        }

        private async Task PipeAsync(TcpClient client)
        {
            using var server = new TcpClient();
            _open[client] = 0;
            _open[server] = 0;
            try
            {
                await server.ConnectAsync(_host, _port, _stop.Token);
                var a = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var b = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(a, b);
            }
            catch (Exception)
            {
                // A cut connection is what this proxy is for.
            }
            finally
            {
                _open.TryRemove(client, out _);
                _open.TryRemove(server, out _);
                client.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            foreach (var c in _open.Keys) c.Dispose();
            _stop.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// The observability tests listen to every meter and activity source of the test process, so
/// they run alone, after the parallel collections: another test's workers would add to the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ObservedCollection : ICollectionFixture<PipelineFixture>
{
    public const string Name = "observed";
}
