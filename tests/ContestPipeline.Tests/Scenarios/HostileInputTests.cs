using System.Globalization;
using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using WebhookLimits = ContestPipeline.Webhooks.WebhookLimits;
using ContestPipeline.Deployment;
using ContestPipeline.Webhooks;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The hostile corpus (<see cref="HostileCorpus"/>) against the real pipeline: the four workers
/// as processes, the local broker, Postgres, the Stripe-compatible server and the webhook
/// receiver over HTTP. Accepted data is established first (a live contest with entries and
/// stats, an open one with an entry), read, then every case is sent; each must get its
/// rejection, the accepted data must read the same afterwards, and the live contest must still
/// complete and settle with the standings its genuine stats give.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class HostileInputTests(PipelineFixture fixture)
{
    private const string G1 = "g1", G2 = "g2", G3 = "g3", Gx = "gx", Gy = "gy", Gg = "gg", C1 = "c1", C2 = "c2";
    private static readonly string[] AcceptedGames = [G1, G2, G3];

    /// <summary>Where a sent case landed on its topic, or what the edge said.</summary>
    private sealed record Sent(HostileCorpus.Case Case, string Topic, int Partition, long Offset, string? MessageId,
        long? Sequence, string GameId)
    {
        public string? EdgeError { get; init; }
        public string? PaymentIntent { get; init; }
        public string? SubmissionId { get; init; }
        public HttpStatusCode? Status { get; init; }
        public string? Answer { get; init; }
        public string? EventId { get; init; }
    }

    [Fact]
    public async Task Every_hostile_input_gets_its_rejection_and_the_accepted_contest_is_unchanged_and_completes()
    {
        var corpus = HostileCorpus.Load();
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement", "payout");
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var producer = KafkaClients.Producer(
            KafkaClients.ProducerConfig(run.Iso.Broker.BootstrapServers, "hostile"), NullLogger.Instance);

        // ---- accepted data ----------------------------------------------------------------
        var (pis, times) = await AcceptedDataAsync(run);
        var before = await SnapshotAsync(run);

        // ---- every hostile case -----------------------------------------------------------
        var values = new Dictionary<string, object>
        {
            ["g1"] = G1, ["g2"] = G2, ["g3"] = G3, ["gx"] = Gx, ["gy"] = Gy, ["gg"] = Gg, ["c1"] = C1, ["c2"] = C2,
            ["lockAt"] = Stamp(times.C2LockAt), ["g1StartsAt"] = Stamp(times.GamesStart),
            ["afterG3Starts"] = Stamp(times.G3Starts.AddHours(1)),
            ["pi:alice"] = pis["alice"], ["pi:dave"] = pis["dave"],
        };
        var sent = await SendEveryCaseAsync(run, webhooks, http, producer, corpus, values);

        // Wait for every expected rejection, then judge each case on what the pipeline published.
        await Eventually.UntilAsync(() =>
        {
            var world = Observed.Read(run);
            return sent.Where(s => Pending(s, world)).Select(s => s.Case.Name).ToList();
        }, pending => pending.Count == 0, "every case's outcome (the cases still waited for are last observed)");
        // Anything a case must not cause has been caused by now: every worker has read every
        // topic to its end and published everything it wrote.
        await run.ReadToEndAsync();
        var observed = Observed.Read(run);
        var problems = new List<string>();
        foreach (var s in sent) problems.AddRange(Judge(s, observed, run, values).Select(p => $"{s.Case.Name}: {p}"));
        problems.AddRange(await NothingAcceptedAsync(run, observed));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));

        // ---- accepted data unchanged, and the contest completes on its genuine stats -------
        var after = await SnapshotAsync(run);
        foreach (var (table, rows) in before)
            Assert.True(rows.SequenceEqual(after[table]),
                $"{table} changed:\nbefore:\n{string.Join("\n", rows)}\nafter:\n{string.Join("\n", after[table])}");

        await TheLiveContestCompletesAndSettlesOnItsGenuineStatsAsync(run, pis);
    }

    private static async Task TheLiveContestCompletesAndSettlesOnItsGenuineStatsAsync(ContestRun run,
        Dictionary<string, string> pis)
    {
        run.World.Stat(G1, 8, "wr1", "receiving_yards", 40);
        run.World.End(G1, 9);
        run.World.Start(G2, 2);
        run.World.Stat(G2, 3, "qb2", "passing_yards", 200);
        run.World.Stat(G2, 4, "qb2", "interceptions", 1);
        run.World.Stat(G2, 5, "wr2", "receptions", 6);
        run.World.Stat(G2, 6, "rb2", "rushing_yards", 30);
        run.World.End(G2, 7);
        await run.WaitForStateAsync(C1, "COMPLETE");
        Assert.Equal(
            [
                (1, EntrySubmitted.EntryIdFor(pis["bob"]), "bob", 15_000L),    // qb2 8 - 2 + rb1 9
                (2, EntrySubmitted.EntryIdFor(pis["alice"]), "alice", 13_000L), // qb1 10 (250 yards stood) + wr2 3
                (3, EntrySubmitted.EntryIdFor(pis["carol"]), "carol", 7_000L),  // rb2 3 + wr1 4
            ],
            await run.FinalStandingsAsync(C1));
        await run.WaitForSettlementStateAsync(C1, "SETTLED");
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var prizes = (await conn.QueryAsync<(string PlayerId, int Rank, long Gross)>(
            "SELECT player_id, rank, gross_minor FROM settlement.payouts WHERE contest_id = 'c1' ORDER BY rank"))
            .ToList();
        // 3 × 10.00 less a 10% rake is 27.00, paid 50/30/20.
        Assert.Equal([("bob", 1, 1_350L), ("alice", 2, 810L), ("carol", 3, 540L)], prizes);
    }

    /// <summary>When the accepted data's games start and its open contest locks.</summary>
    private sealed record Times(DateTimeOffset GamesStart, DateTimeOffset G3Starts, DateTimeOffset C2LockAt);

    /// <summary>
    /// The accepted data: c1 LIVE with three entries and g1's first stats scored, c2 open with dave's entry, and the
    /// games the cases write to; the entries' payment intents, by player, and the times the cases name.
    /// </summary>
    private static async Task<(Dictionary<string, string> Pis, Times Times)> AcceptedDataAsync(ContestRun run)
    {
        var t0 = DateTimeOffset.UtcNow;
        var gamesStart = t0.AddMinutes(10);
        var g3Starts = t0.AddHours(2);
        run.World.Schedule(G1, 1, gamesStart, "qb1", "rb1", "wr1");
        run.World.Schedule(G2, 1, gamesStart, "qb2", "rb2", "wr2");
        run.World.Schedule(G3, 1, g3Starts, "c-qb", "c-wr", "c-rb");
        run.World.Schedule(Gx, 1, gamesStart, "x1", "x2");
        run.World.Start(Gx, 2);
        run.World.Schedule(Gy, 1, gamesStart, "y1");
        run.World.Schedule(Gg, 1, gamesStart, "z1");
        run.World.Start(Gg, 2);
        var c1LockAt = await run.LockTimeAsync();
        run.Define(Fantasy(C1, c1LockAt, [G1, G2]));
        var c2LockAt = t0.AddHours(1);
        run.Define(Fantasy(C2, c2LockAt, [G3]));
        var pis = new Dictionary<string, string>
        {
            ["alice"] = run.World.Pay(C1, "alice", Fee),
            ["bob"] = run.World.Pay(C1, "bob", Fee),
            ["carol"] = run.World.Pay(C1, "carol", Fee),
            ["dave"] = run.World.Pay(C2, "dave", Fee),
        };
        run.World.Submit(Entry("s-alice", C1, "alice", pis["alice"], "qb1", "wr2"));
        run.World.Submit(Entry("s-bob", C1, "bob", pis["bob"], "qb2", "rb1"));
        run.World.Submit(Entry("s-carol", C1, "carol", pis["carol"], "rb2", "wr1"));
        run.World.Submit(Entry("s-dave", C2, "dave", pis["dave"], "c-qb", "c-rb"));
        await WaitForAsync(run, "four entries accepted", "SELECT count(*) = 4 FROM ingestion.entries");
        await run.WaitForStateAsync(C1, "LOCKED");
        run.World.Start(G1, 2);
        run.World.Stat(G1, 3, "qb1", "passing_yards", 250);
        run.World.Stat(G1, 4, "rb1", "rushing_yards", 90);
        await run.WaitForStateAsync(C1, "LIVE");
        await WaitForAsync(run, "g1's stats scored",
            "SELECT count(*) = 2 FROM scoring.stat_values WHERE game_id = 'g1'");
        await WaitForAsync(run, "settlement to know both contests' entries",
            "SELECT count(*) = 4 FROM settlement.entries");
        await WaitForAsync(run, "payout's tables", "SELECT to_regclass('payout.recipients') IS NOT NULL");
        return (pis, new Times(gamesStart, g3Starts, c2LockAt));
    }

    /// <summary>Every case of the corpus sent, the gap case first and the late one once its gap is given
    /// up.</summary>
    private static async Task<List<Sent>> SendEveryCaseAsync(ContestRun run, LocalWebhooks webhooks, HttpClient http,
        IProducer<byte[]?, byte[]?> producer, IReadOnlyList<HostileCorpus.Case> corpus,
        Dictionary<string, object> values)
    {
        // The next sequence number of each game the cases write to ("gap" is the one skipped on gg).
        var next = new Dictionary<string, long> { [G1] = 5, [Gx] = 3, [Gy] = 2, [Gg] = 3 };
        var sent = new List<Sent>();
        // The gap case first: its 30 s hold runs while the rest is sent.
        foreach (var c in corpus.OrderBy(c =>
            c.Sequence is "after-gap" ? 0 : c.Name == "feed/conflict-while-held" ? 1 : 2))
        {
            if (c.Name == "feed/late-after-its-gap-was-skipped") continue; // sent once the gap is given up
            if (c.Name == "webhooks/same-event-id-other-body")
                await WaitForAsync(run, "the first body of evt_h_twice applied",
                    "SELECT EXISTS (SELECT 1 FROM payout.stripe_events WHERE event_id = 'evt_h_twice')");
            sent.Add(await SendAsync(run, webhooks, http, producer, c, values, next, sent));
        }
        await Eventually.UntilAsync(() => Alerts(run).Any(a => a.Code == "feed_gap" && a.Subject == Gg),
            "the gap on gg given up");
        sent.Add(await SendAsync(run, webhooks, http, producer,
            corpus.Single(c => c.Name == "feed/late-after-its-gap-was-skipped"), values, next, sent));
        return sent;
    }

    // ---- sending ------------------------------------------------------------------------------

    private static async Task<Sent> SendAsync(ContestRun run, LocalWebhooks webhooks, HttpClient http,
        IProducer<byte[]?, byte[]?> producer,
        HostileCorpus.Case c, Dictionary<string, object> values, Dictionary<string, long> next, List<Sent> sent)
    {
        if (c.Edge.StartsWith("POST ", StringComparison.Ordinal))
            return await PostAsync(run, webhooks, http, c, values);

        var key = c.Key is null ? null : HostileCorpus.Fill(c.Key, values);
        var sequence = SequenceOf(c, key, next, sent);
        var caseValues = new Dictionary<string, object>(values);
        if (sequence is { } seq) caseValues["seq"] = seq;
        string? submissionId = null, paymentIntent = null;
        if (c.Payment is { } p)
        {
            paymentIntent = run.Stripe.CreatePaymentIntent(p.Amount, p.Currency, p.Status,
                new Dictionary<string, string>
            {
                ["contest_id"] = HostileCorpus.Fill(p.Contest, values),
                ["player_id"] = HostileCorpus.Fill(p.Player, values),
            });
            caseValues["pi"] = paymentIntent;
        }
        var body = c.Input is null ? Generate(c, caseValues) : HostileCorpus.Fill(c.Raw(), caseValues);
        if (c.Edge == Topics.Entries) submissionId = TryRead(body, "submissionId");

        var messageId = c.MessageId switch
        {
            null => "hostile:" + c.Name,
            "" => null,
            var id when id.StartsWith("same-as:", StringComparison.Ordinal) =>
                sent.Single(s => s.Case.Name == id["same-as:".Length..]).MessageId,
            var id => id,
        };
        var message = new Message<byte[]?, byte[]?> { Key = key is null ? null : Encoding.UTF8.GetBytes(key),
            Value = body, Headers = HeadersOf(run, c, key, body, messageId) };
        var gameId = c.Edge == Topics.ProviderFeed ? key ?? "" : "";

        if (c.Expect.Omitted is not null)
        {
            // Only a producer configured past the usual limits gets this onto the topic.
            var config = KafkaClients.ProducerConfig(run.Iso.Broker.BootstrapServers, "hostile-oversized");
            config.MessageMaxBytes = 16_000_000;
            using var big = KafkaClients.Producer(config, NullLogger.Instance);
            var r = await big.ProduceAsync(c.Edge, message);
            return new Sent(c, c.Edge, r.Partition.Value, r.Offset.Value, messageId, sequence, gameId);
        }
        try
        {
            var r = await producer.ProduceAsync(c.Edge, message);
            return new Sent(c, c.Edge, r.Partition.Value, r.Offset.Value, messageId, sequence, gameId)
                { PaymentIntent = paymentIntent, SubmissionId = submissionId };
        }
        catch (ProduceException<byte[]?, byte[]?> e)
        {
            return new Sent(c, c.Edge, -1, -1, messageId, sequence, gameId) { EdgeError = e.Error.Reason };
        }
    }

    /// <summary>The sequence number a case's feed message carries, as its corpus entry names it: the game's next, the
    /// one after a gap (which it leaves), the gap, or an earlier case's; null for a message of another kind.</summary>
    private static long? SequenceOf(HostileCorpus.Case c, string? key, Dictionary<string, long> next, List<Sent> sent)
    {
        long? sequence = null;
        switch (c.Sequence)
        {
            case null: break;
            case "next": sequence = next[key!]++; break;
            case "after-gap":
                next["gap"] = next[key!];
                sequence = next[key!] + 1;
                next[key!] += 2;
                break;
            case "the-gap": sequence = next["gap"]; break;
            default:
                var earlier = sent.Single(s => s.Case.Name == c.Sequence["same-as:".Length..]);
                sequence = earlier.Sequence;
                break;
        }
        return sequence;
    }

    /// <summary>A case's headers: its envelope as the corpus gives it, signed as its producer's where the topic's
    /// rights name one.</summary>
    private static Headers HeadersOf(ContestRun run, HostileCorpus.Case c, string? key, byte[] body,
        string? messageId)
    {
        var headers = new Headers();
        if (messageId is not null) headers.Add(MessageHeaders.MessageId, Encoding.UTF8.GetBytes(messageId));
        headers.Add(MessageHeaders.Type, Encoding.UTF8.GetBytes(c.Type!));
        headers.Add(MessageHeaders.SchemaVersion, Encoding.UTF8.GetBytes(c.SchemaVersion ?? "1"));
        headers.Add(MessageHeaders.OccurredAt, Encoding.UTF8.GetBytes(Envelope.FormatTimestamp(DateTimeOffset.UtcNow)));
        // Operators' and the entry API's hostile input is signed as theirs: it must be refused for
        // what it says, not for who sent it (InsiderCorpus covers who sent it).
        if (PublishRights.Pipeline.ProducersOf(c.Edge, c.Type!).FirstOrDefault() is { } signer)
            headers = KafkaClients.Headers(run.World.Sign(signer, c.Edge,
                key is null ? null : Encoding.UTF8.GetBytes(key), body, IncomingMessage.HeadersOf(headers)));
        return headers;
    }

    private static byte[] Generate(HostileCorpus.Case c, Dictionary<string, object> values) => c.Name switch
    {
        "feed/message-10-mib" => JsonSerializer.SerializeToUtf8Bytes(
            new StatUpdated(Gx, 3, new string('x', 10 * 1024 * 1024), "steps", 1), OutgoingMessage.Json),
        "feed/message-over-the-read-limit" => JsonSerializer.SerializeToUtf8Bytes(
            new StatUpdated(Gx, 3, new string('x', 1_200_000), "steps", 1), OutgoingMessage.Json),
        "contests/ten-thousand-wrong-places" => Encoding.UTF8.GetBytes(HostileCorpus.Fill(
            Encoding.UTF8.GetString(
                File.ReadAllBytes(Path.Combine(HostileCorpus.Directory, "contests/prize-percentages-total-99.json")))
                .Replace("\"h-pct\"", "\"h-10k\"", StringComparison.Ordinal)
                .Replace("[\n      6000,\n      3000,\n      900\n    ]", "[" + string.Join(",",
                    Enumerable.Range(0, 10_000).Select(i => i % 2 - 1)) + "]", StringComparison.Ordinal),
            values)),
        _ => throw new InvalidOperationException($"no generator for {c.Name}: {c.Generate}"),
    };

    private static async Task<Sent> PostAsync(ContestRun run, LocalWebhooks webhooks, HttpClient http,
        HostileCorpus.Case c, Dictionary<string, object> values)
    {
        var now = DateTimeOffset.UtcNow;
        var caseValues = new Dictionary<string, object>(values) { ["created"] = now.ToUnixTimeSeconds() - 2 };
        var body = c.Input is null ? new byte[600_000] : HostileCorpus.Fill(c.Raw(), caseValues);
        if (c.Input is null) Array.Fill(body, (byte)' ');
        var secret = run.Stripe.WebhookSecret;
        var signature = c.Sign switch
        {
            "valid" => StripeWebhookSignature.Sign(body, secret, now),
            "wrong-secret" => StripeWebhookSignature.Sign(body, "whsec_not_the_endpoints", now),
            "ten-minutes-ago" => StripeWebhookSignature.Sign(body, secret, now.AddMinutes(-10)),
            "none" => null,
            var s when s!.StartsWith("t=", StringComparison.Ordinal) =>
                $"{s},v1=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
                Encoding.UTF8.GetBytes(secret), (byte[])[.. Encoding.UTF8.GetBytes(s[2..] + "."), .. body])),
            _ => throw new InvalidOperationException($"{c.Name}: unknown signing '{c.Sign}'"),
        };
        if (c.Tamper is { } t) body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body)
            .Replace(t.From, t.To, StringComparison.Ordinal));
        using var request =
            new HttpRequestMessage(HttpMethod.Post, webhooks.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
            request.Headers.TryAddWithoutValidation(StripeWebhookSignature.HeaderName, signature);
        // Asked first, the receiver can refuse an oversized body before it is sent, instead of
        // closing a connection the client is still writing to.
        if (body.Length > WebhookLimits.BodyBytesMax) request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);
        return new Sent(c, Topics.StripeEvents, -1, -1, null, null, "")
        {
            Status = response.StatusCode, Answer = await response.Content.ReadAsStringAsync(),
            EventId = TryRead(body, "id"),
        };
    }

    // ---- judging ------------------------------------------------------------------------------

    /// <summary>What the pipeline published, read once per look.</summary>
    private sealed record Observed(
        List<OutsideWorld.Published> DeadLetters, List<Alert> Alerts, List<OutsideWorld.Published> Games,
        List<OutsideWorld.Published> Lifecycle, List<OutsideWorld.Published> PayoutsDue,
        List<OutsideWorld.Published> StripeEvents,
        Dictionary<string, string> StripeOutcomes, List<OutsideWorld.Published> Feedback)
    {
        public static Observed Read(ContestRun run)
        {
            using var conn = run.Iso.DataSource.OpenConnection();
            var outcomes = conn.ExecuteScalar<bool>("SELECT to_regclass('payout.stripe_events') IS NOT NULL")
                ? conn.Query<(string Id, string Outcome)>(
                    "SELECT event_id, type || ': ' || outcome FROM payout.stripe_events")
                    .ToDictionary(r => r.Id, r => r.Outcome)
                : [];
            return new Observed(
                [.. new[] { Topics.ProviderFeed, Topics.Contests, Topics.Entries,
                    Topics.StripeEvents }.SelectMany(t => run.World.Read(Topics.DeadLetter(t)))],
                HostileInputTests.Alerts(run), run.World.Read(Topics.Games), run.World.Read(Topics.ContestLifecycle),
                run.World.Read(Topics.PayoutsDue),
                run.World.Read(Topics.StripeEvents), outcomes, run.World.Read(Topics.ProviderFeedback));
        }

        public OutsideWorld.Published? DeadLetterOf(Sent s) => DeadLetters.LastOrDefault(d =>
            d.Headers.GetValueOrDefault(MessageHeaders.DeadLetterOriginalTopic) == s.Topic
            && d.Headers.GetValueOrDefault(MessageHeaders.DeadLetterOriginalPartition)
                == s.Partition.ToString(CultureInfo.InvariantCulture)
            && d.Headers.GetValueOrDefault(MessageHeaders.DeadLetterOriginalOffset)
                == s.Offset.ToString(CultureInfo.InvariantCulture));

        public OutsideWorld.Published? Fact(string gameId, long sequence) =>
            Games.FirstOrDefault(g =>
                g.Headers.GetValueOrDefault(MessageHeaders.MessageId) == FeedMessageIds.GameFact(gameId, sequence));

        public OutsideWorld.Published? Rejection(string submissionId) =>
            Lifecycle.FirstOrDefault(m =>
                m.Type == EntryRejected.MessageType && m.Body.GetProperty("submissionId").GetString() == submissionId);
    }

    private sealed record Alert(string Id, string Code, string Subject, string Message);

    private static List<Alert> Alerts(ContestRun run) =>
        [.. run.World.Read(Topics.Alerts).Where(a => a.Body.ValueKind == JsonValueKind.Object).Select(a => new Alert(
            a.Body.GetProperty("alertId").GetString()!, a.Body.GetProperty("code").GetString()!,
            a.Body.GetProperty("subject").GetString()!, a.Body.GetProperty("message").GetString()!))];

    /// <summary>
    /// The alert raised with a case's dead letter: its id ends with the original offset and names the message (or,
    /// without an id, its coordinates).
    /// </summary>
    private static Alert? AlertOf(Sent s, Observed o) => o.Alerts.FirstOrDefault(a =>
        a.Code == s.Case.Expect.Alert
        && a.Id.EndsWith(":" + s.Offset.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        && a.Id.Contains(s.MessageId ?? $"{s.Topic}/{s.Partition}@{s.Offset}", StringComparison.Ordinal));

    /// <summary>A first operator's cancel of a paid contest: announced, applied by nobody alone.</summary>
    private const string CancelAwaits = "cancel_awaits_second_operator";

    private static bool Pending(Sent s, Observed o)
    {
        var e = s.Case.Expect;
        if (e.DeadLetter is not null && (o.DeadLetterOf(s) is null || (e.Alert is not null && AlertOf(s, o) is null)))
            return true;
        if (e.EntryRejected is not null && (o.Rejection(s.SubmissionId!) is null
            || (e.Refund == true && !RefundOrdered(o, s.PaymentIntent!)))) return true;
        if (e.Accepted && s.Sequence is { } seq && o.Fact(s.GameId, seq) is null) return true;
        if (e.Recorded is not null && !o.StripeOutcomes.ContainsKey(s.EventId!)) return true;
        if (e.Alert is "transfer_not_on_stripe" && !o.Alerts.Any(a => a.Code == e.Alert)) return true;
        if (e.Alert is CancelAwaits && !o.Alerts.Any(a => a.Code == e.Alert)) return true;
        return false;
    }

    private static bool RefundOrdered(Observed o, string paymentIntent) =>
        o.PayoutsDue.Any(m =>
            m.Type == "RefundOrdered" && m.Body.GetProperty("paymentIntentId").GetString() == paymentIntent);

    private static IEnumerable<string> Judge(Sent s, Observed o, ContestRun run, Dictionary<string, object> values)
    {
        var e = s.Case.Expect;
        if (e.Edge is not null)
        {
            foreach (var problem in JudgeAtTheEdge(s, e.Edge)) yield return problem;
            yield break;
        }
        if (e.Http is { } status)
        {
            foreach (var problem in JudgeOverHttp(s, o, run, e, status)) yield return problem;
            yield break;
        }
        foreach (var problem in JudgeOnTheTopics(s, o, values)) yield return problem;
    }

    /// <summary>A case the edge must refuse: the broker, before the message reaches its topic.</summary>
    private static IEnumerable<string> JudgeAtTheEdge(Sent s, string edge)
    {
        if (s.EdgeError is null) yield return $"reached {s.Topic} at {s.Partition}@{s.Offset}; "
            + $"expected the edge to refuse it ({edge})";
        else if (!s.EdgeError.Contains(edge, StringComparison.Ordinal))
            yield return $"refused at the edge with '{s.EdgeError}', expected '{edge}'";
    }

    /// <summary>A case posted to the webhook receiver: its answer, and what reached stripe.events and Payout.</summary>
    private static IEnumerable<string> JudgeOverHttp(Sent s, Observed o, ContestRun run, HostileCorpus.Expectation e,
        int status)
    {
        if ((int)s.Status! != status) yield return $"answered {(int)s.Status!} '{s.Answer}', expected {status}";
        if (e.Text is not null && !s.Answer!.Contains(e.Text, StringComparison.Ordinal))
            yield return $"answered '{s.Answer}', expected it to say '{e.Text}'";
        var forwarded = s.EventId is not null
            && o.StripeEvents.Any(m => m.Headers.GetValueOrDefault(MessageHeaders.MessageId) == s.EventId);
        if (e.Forwarded == false && forwarded) yield return "reached stripe.events although refused";
        if (e.Forwarded == true && !forwarded) yield return "did not reach stripe.events";
        if (e.Recorded is not null && o.StripeOutcomes.GetValueOrDefault(s.EventId!) is var outcome
            && (outcome is null || !outcome.EndsWith(": " + e.Recorded, StringComparison.Ordinal)))
            yield return $"Payout recorded '{outcome}', expected '{e.Recorded}'";
        if (e.Alert is not null && !o.Alerts.Any(a => a.Code == e.Alert && a.Subject == "tr_h_unknown"))
            yield return $"no alert {e.Alert} for tr_h_unknown";
        if (e.NoEffect)
        {
            if (o.StripeOutcomes.GetValueOrDefault(s.EventId!) is not { } first
                || !first.StartsWith("customer.created:", StringComparison.Ordinal))
                yield return $"the first body under {s.EventId} should stand, "
                    + $"Payout recorded '{o.StripeOutcomes.GetValueOrDefault(s.EventId!)}'";
            if (o.Alerts.Any(a => a.Message.Contains("prize_h_second_body", StringComparison.Ordinal)))
                yield return "the second body was acted on (an alert names its payout)";
            using var conn = run.Iso.DataSource.OpenConnection();
            if (conn.ExecuteScalar<long>(
                "SELECT count(*) FROM payout.inbox WHERE message_id = @id", new { id = s.EventId }) != 1)
                yield return "the event id is not exactly one inbox row";
        }
    }

    /// <summary>A case on a topic: its dead letter and alert, the entry's rejection and refund, and what the feed
    /// published.</summary>
    private static IEnumerable<string> JudgeOnTheTopics(Sent s, Observed o, Dictionary<string, object> values)
    {
        var e = s.Case.Expect;
        string Fill(string text) =>
            HostileCorpus.Fill(text, new Dictionary<string, object>(values) { ["seq"] = s.Sequence ?? 0 });
        var accepted = new[] { values["pi:alice"], values["pi:dave"] };

        var dead = o.DeadLetterOf(s);
        if (e.DeadLetter is not null)
        {
            if (dead is null)
            {
                yield return $"no dead letter for {s.Topic}/{s.Partition}@{s.Offset}";
                yield break;
            }
            var reason = dead.Headers.GetValueOrDefault(MessageHeaders.DeadLetterReason) ?? "";
            if (!reason.Contains(Fill(e.DeadLetter), StringComparison.Ordinal))
                yield return $"dead-lettered with '{reason}', expected it to contain '{Fill(e.DeadLetter)}'";
            if (dead.Key != (s.Case.Key is null ? "" : Fill(s.Case.Key)))
                yield return $"dead letter keyed '{dead.Key}'";
            if (e.Alert is not null && AlertOf(s, o) is null)
                yield return $"no alert {e.Alert} for it (alerts: {string.Join("; ", o.Alerts.Select(a => a.Id))})";
            if (e.Omitted is not null && !(dead.Headers.GetValueOrDefault(MessageHeaders.DeadLetterOmitted) ?? "")
                .StartsWith(e.Omitted, StringComparison.Ordinal))
                yield return $"dlq-omitted is '{dead.Headers.GetValueOrDefault(MessageHeaders.DeadLetterOmitted)}'";
        }
        else if (dead is not null) yield return $"dead-lettered "
            + $"('{dead.Headers.GetValueOrDefault(MessageHeaders.DeadLetterReason)}') although it should not be";
        if (e.Alert is CancelAwaits && !o.Alerts.Any(a => a.Code == e.Alert && a.Subject == Fill(s.Case.Key!)))
            yield return $"no alert {e.Alert} for {Fill(s.Case.Key!)}";

        if (e.EntryRejected is not null)
        {
            var rejected = o.Rejection(s.SubmissionId!);
            if (rejected is null)
            {
                yield return $"no EntryRejected for {s.SubmissionId}";
                yield break;
            }
            var reason = rejected.Body.GetProperty("reason").GetString()!;
            if (!reason.Contains(Fill(e.EntryRejected), StringComparison.Ordinal))
                yield return $"rejected with '{reason}', expected it to contain '{Fill(e.EntryRejected)}'";
            var refundId = rejected.Body.GetProperty("refundId").GetString();
            var pi = rejected.Body.GetProperty("paymentIntentId").GetString()!;
            if (e.Refund == true && (refundId is null || !RefundOrdered(o, pi)))
                yield return "expected a refund; none ordered";
            if (e.Refund == false && (refundId is not null || RefundOrdered(o, pi)))
                yield return "refunded although the payment is not verified as this player's for this contest";
            if (!accepted.Contains(pi) && o.Lifecycle.Any(m =>
                m.Type == EntryAccepted.MessageType && m.Body.GetProperty("paymentIntentId").GetString() == pi))
                yield return "an entry was accepted with its payment";
        }
        foreach (var problem in JudgeTheFeed(s, o, e)) yield return problem;
    }

    /// <summary>What the feed's worker published for a case on provider.feed, and the gap it gave up on.</summary>
    private static IEnumerable<string> JudgeTheFeed(Sent s, Observed o, HostileCorpus.Expectation e)
    {
        if (s.Case.Edge == Topics.ProviderFeed && s.Sequence is { } seq)
        {
            var fact = o.Fact(s.GameId, seq);
            var mine = fact is not null && fact.Headers.GetValueOrDefault(MessageHeaders.CausationId) == s.MessageId;
            if (e.Accepted && !mine) yield return $"not published on games as {FeedMessageIds.GameFact(s.GameId, seq)}";
            if (!e.Accepted && !e.NoEffect && mine)
                yield return $"published on games as {FeedMessageIds.GameFact(s.GameId, seq)} although refused";
            if (e.NoEffect && fact?.Body.GetProperty("value").GetInt64() != 500)
                yield return "the first content under the message id does not stand on games";
        }
        if (e.Alert is "feed_gap" && !o.Alerts.Any(a => a.Code == "feed_gap" && a.Subject == s.GameId
            && a.Message.Contains(e.AlertText!, StringComparison.Ordinal)))
            yield return "no feed_gap alert";
        if (e.Alert is "feed_gap" && !o.Feedback.Any(f => f.Type == FeedGapGivenUp.MessageType && f.Key == s.GameId
                && f.Body.GetProperty("reason").GetString()!.Contains(e.AlertText!, StringComparison.Ordinal)))
            yield return "the provider was not told of the gap (no FeedGapGivenUp on provider.feedback)";
    }

    /// <summary>
    /// Nothing hostile became data: no game scheduled, no contest or entry accepted, no fact published that was
    /// refused.
    /// </summary>
    private static async Task<IEnumerable<string>> NothingAcceptedAsync(ContestRun run, Observed o)
    {
        var problems = new List<string>();
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var games = (await conn.QueryAsync<string>(
            "SELECT game_id FROM ingestion.games WHERE status <> 'unknown' ORDER BY game_id COLLATE \"C\"")).ToList();
        if (!games.SequenceEqual([G1, G2, G3, Gg, Gx, Gy]))
            problems.Add("games the feed scheduled: " + string.Join(", ", games));
        var parked = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM ingestion.parked_contests");
        if (parked != 0) problems.Add($"{parked} hostile definitions parked");
        var facts = o.Games.Where(g => g.Key == Gy)
            .Select(g => g.Headers.GetValueOrDefault(MessageHeaders.MessageId)).ToList();
        if (!facts.SequenceEqual([FeedMessageIds.GameFact(Gy, 1)]))
            problems.Add("facts on games for gy: " + string.Join(", ", facts));
        return problems;
    }

    // ---- the accepted data --------------------------------------------------------------------

    /// <summary>
    /// Every row of the accepted contests, entries, games and their stats, and the ledger's entries for them, as text.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> SnapshotAsync(ContestRun run)
    {
        var games = string.Join(", ", AcceptedGames.Select(g => $"'{g}'"));
        var queries = new Dictionary<string, string>
        {
            ["ingestion.contests"] = "SELECT t::text FROM ingestion.contests t",
            ["ingestion.contest_games"] = "SELECT t::text FROM ingestion.contest_games t",
            ["ingestion.entries"] = "SELECT t::text FROM ingestion.entries t",
            ["ingestion.games"] = $"SELECT game_id || ' ' || status || ' ' || state::text FROM ingestion.games "
                + $"WHERE game_id IN ({games})",
            ["scoring.contests"] = "SELECT t::text FROM scoring.contests t",
            ["scoring.contest_games"] = "SELECT t::text FROM scoring.contest_games t",
            ["scoring.entries"] = "SELECT t::text FROM scoring.entries t",
            ["scoring.games"] = $"SELECT t::text FROM scoring.games t WHERE game_id IN ({games})",
            ["scoring.stat_values"] = $"SELECT t::text FROM scoring.stat_values t WHERE game_id IN ({games})",
            ["scoring.final_standings"] = "SELECT t::text FROM scoring.final_standings t",
            ["settlement.contests"] = "SELECT t::text FROM settlement.contests t",
            ["settlement.entries"] = "SELECT t::text FROM settlement.entries t",
            ["settlement.payouts"] = "SELECT t::text FROM settlement.payouts t",
            // Refunds of hostile submissions are booked too (unapplied, then refunded); the contests' own entries are
            // what must not move.
            ["settlement.journal"] = "SELECT journal_id || ' ' || kind || ' ' || description FROM settlement.journal "
                + "WHERE kind NOT IN ('payment_unapplied', 'refund')",
            ["settlement.postings"] = "SELECT p::text FROM settlement.postings p "
                + "JOIN settlement.journal j USING (journal_id) WHERE j.kind NOT IN ('payment_unapplied', 'refund')",
            ["payout.payouts"] = "SELECT t::text FROM payout.payouts t",
            ["payout.recipients"] = "SELECT t::text FROM payout.recipients t",
        };
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var (table, sql) in queries)
            snapshot[table] = [.. (await conn.QueryAsync<string>(sql)).Order(StringComparer.Ordinal)];
        return snapshot;
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static string Stamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'+00:00'", CultureInfo.InvariantCulture);

    private static string? TryRead(byte[] body, string property)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task WaitForAsync(ContestRun run, string what, string sql) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            try { return await conn.ExecuteScalarAsync<bool>(sql); }
            catch (Npgsql.PostgresException e) when (e.SqlState == "42P01") { return false; }
        }, what);
}
