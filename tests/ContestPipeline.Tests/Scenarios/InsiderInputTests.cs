using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Notifier;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using Header = ContestPipeline.Plumbing.Messaging.Header;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The hostile-insider corpus (<see cref="InsiderCorpus"/>) against the real pipeline: the four
/// workers, the read model and the notifier as processes, the webhook receiver, the local broker, Postgres and the
/// Stripe-compatible server. Accepted data is established first, money included: a contest
/// PAID, one SETTLED with its first prize held for review, one open with an entry. Then every
/// case is put on its internal topic as someone other than its producer would put it (unsigned,
/// signed with a key that is not the producer's, by a producer the table does not allow,
/// replayed from another contest, game or object), or as its producer would when it asks for
/// what it may not (a cancel of a SETTLED or PAID contest, an order beyond what was settled).
/// Each must be dead-lettered by every consumer named, with its reason and a critical alert;
/// and once every consumer has read to the end of its topics, every accepted row, the ledger
/// and Stripe's own records must be as they were.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class InsiderInputTests(PipelineFixture fixture)
{
    private const string Paid = "c-paid", Settled = "c-settled", Open = "c-open", PaidGame = "gp", SettledGame = "gs",
        OpenGame = "go";

    /// <summary>Every consumer group of every worker, with the topics it reads.</summary>
    private static readonly (string Group, string Topic)[] Consumers =
    [
        ("ingestion.contests", Topics.Contests), ("ingestion.entries", Topics.Entries),
        ("ingestion.feed", Topics.ProviderFeed),
        ("scoring.lifecycle", Topics.ContestLifecycle), ("scoring.games", Topics.Games),
        ("settlement.lifecycle", Topics.ContestLifecycle), ("settlement.standings", Topics.Standings),
        ("settlement.payouts", Topics.PayoutsStatus),
        ("payout.orders", Topics.PayoutsDue), ("payout.stripe", Topics.StripeEvents),
        ("ingestion.stripe", Topics.StripeEvents),
        ("settlement.operations", Topics.Operations), ("payout.control", Topics.PayoutsControl),
        ("payout.lifecycle", Topics.ContestLifecycle),
        // The read model and the notifier judge too: a forgery they took would mislead operators or reach players.
        ("operations.lifecycle", Topics.ContestLifecycle), ("operations.standings", Topics.Standings),
        ("operations.payouts", Topics.PayoutsDue), ("operations.payouts", Topics.PayoutsControl),
        ("operations.payouts", Topics.PayoutsStatus), ("operations.stripe", Topics.StripeEvents),
        ("operations.operations", Topics.Operations), ("notifier.notifications", Topics.Notifications),
    ];

    private sealed record Sent(InsiderCorpus.Case Case, string Topic, int Partition, long Offset, string? MessageId)
    {
        public string Where => string.Create(CultureInfo.InvariantCulture, $"{Topic}/{Partition}@{Offset}");
    }

    private sealed record Letter(string Consumer, string Where, string Reason);

    private sealed record Alert(string Id, string Source, string Severity, string Code, string Message);

    [Fact]
    public async Task
        Every_message_not_from_its_producer_or_beyond_its_rights_is_refused_and_accepted_money_and_data_are_unchanged()
    {
        // The checked-in cases, and every compromised service's forgeries with exactly the keys it is given.
        var corpus = InsiderCorpus.Load().Concat(InsiderCorpus.KeysOfEveryService(Consumers)).ToList();
        var keysRun = Path.Combine(fixture.WorkDirectory, "insider-keys-" + Guid.NewGuid().ToString("N"));
        await using var run = await ContestRun.StartEmptyAsync(fixture, 31);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        run.Stripe.TopUp(1_000_000, "usd");
        foreach (var player in new[] { "ann", "ben", "cat", "dan", "eve" })
            await run.World.SignUpForPayoutsAsync(player);
        foreach (var worker in new[] { "ingestion", "scoring", "settlement", "operations" }) run.StartWorker(worker);
        // Players' notices go to a recording endpoint; the operators' mail server is not there (mail is retried).
        await using var platform = await RecordingPlatformEndpoint.StartAsync();
        StartNotifierAndPayout(run, platform);

        // ---- accepted data, money included ------------------------------------------------
        var (lockAt, payments) = await AcceptedDataWithMoneyAsync(run);
        var held = await WaitForHeldPrizeAsync(run);
        await QuietAsync(run);
        var before = await SnapshotAsync(run);

        // ---- every insider case -----------------------------------------------------------
        var now = DateTimeOffset.UtcNow;
        var values = new Dictionary<string, object>
        {
            ["paid"] = Paid, ["settled"] = Settled, ["open"] = Open, ["paidGame"] = PaidGame, ["openGame"] = OpenGame,
            ["winner"] = "ann",
            ["lockAt"] = Stamp(lockAt.AddHours(1)), ["now"] = Stamp(now), ["pi:eve"] = payments[$"{Open}:eve"],
            ["pi:mallory"] = payments["mallory"],
            ["heldPayout"] = held.PayoutId, ["heldEntry"] = held.EntryId, ["heldPlayer"] = held.PlayerId,
        };
        using var producer = KafkaClients.Producer(
            KafkaClients.ProducerConfig(run.Iso.Broker.BootstrapServers, "insider"), NullLogger.Instance);
        var sent = new List<Sent>();
        foreach (var c in corpus) sent.Add(await SendAsync(run, producer, c, values, keysRun));

        await AssertEveryCaseRefusedAsync(run, sent, values);

        // ---- accepted data, the ledger and Stripe's records unchanged ----------------------
        var after = await SnapshotAsync(run);
        Assert.DoesNotContain(platform.Requests, r => r.Body.Contains("forged", StringComparison.Ordinal));
        foreach (var (table, rows) in before)
            Assert.True(rows.SequenceEqual(after[table]),
                $"{table} changed:\nbefore:\n{string.Join("\n", rows)}\nafter:\n{string.Join("\n", after[table])}");
    }

    /// <summary>The notifier, sending players' notices to <paramref name="platform"/>, and Payout.</summary>
    private static void StartNotifierAndPayout(ContestRun run, RecordingPlatformEndpoint platform)
    {
        run.StartWorker("notifier", env: new Dictionary<string, string?>
        {
            [NotifierOptions.Settings.PlatformWebhookUrl] = platform.Url.ToString(),
            [NotifierOptions.Settings.SmtpHost] = "127.0.0.1",
            [NotifierOptions.Settings.SmtpPort] = "9", [NotifierOptions.Settings.SmtpSecurity] = "none",
        });
        // The SETTLED contest's first prize (26.19) is above the review threshold, the PAID one's (17.46) below.
        run.StartWorker("payout", env: new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.ReviewThresholdMinor] = "2000", [PayoutOptions.Settings.RetryDelayBaseMs] = "200",
            [PayoutOptions.Settings.LeaseMs] = "1000", [PayoutOptions.Settings.AccountRecheckMs] = "500",
        });
    }

    /// <summary>
    /// Three contests' entries, paid: one contest PAID, one SETTLED, one open; mallory's payment that no submission
    /// names. The lock time and the payments, by contest and player (mallory's by name).
    /// </summary>
    private static async Task<(DateTimeOffset LockAt, Dictionary<string, string> Payments)>
        AcceptedDataWithMoneyAsync(ContestRun run)
    {
        // Time for three definitions and six verified entries to be in before the lock, counted from
        // when every worker holds its partitions, with room for a busy machine.
        var lockAt = (await run.LockTimeAsync(messagesBeforeLock: 12)).AddSeconds(30);
        run.World.Schedule(PaidGame, 1, lockAt.AddMinutes(5), "ann", "ben");
        run.World.Schedule(SettledGame, 1, lockAt.AddMinutes(5), "cat", "dan", "eve");
        run.World.Schedule(OpenGame, 1, lockAt.AddHours(2), "eve", "mallory");
        run.Define(Fitness(Paid, lockAt, PaidGame));
        run.Define(Fitness(Settled, lockAt, SettledGame));
        run.Define(Fitness(Open, lockAt.AddHours(1), OpenGame));
        var payments = new Dictionary<string, string>();
        foreach (var (contest, player) in new[] { (Paid, "ann"), (Paid, "ben"), (Settled, "cat"), (Settled, "dan"),
            (Settled, "eve"), (Open, "eve") })
        {
            payments[$"{contest}:{player}"] = run.World.Pay(contest, player, Fee);
            run.World.Submit(Entry($"s-{contest}-{player}", contest, player, payments[$"{contest}:{player}"]));
        }
        // A real, succeeded payment of mallory's for the open contest that no genuine submission names.
        payments["mallory"] = run.World.Pay(Open, "mallory", Fee);
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('settlement.entries') IS NOT NULL")
                && await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.entries") == 6;
        }, "six entries accepted and known to Settlement");
        Assert.True(DateTimeOffset.UtcNow < lockAt, "the entries were in before the lock");
        await run.WaitForStateAsync(Paid, "LOCKED");
        await run.WaitForStateAsync(Settled, "LOCKED");
        run.World.Start(PaidGame, 2);
        run.World.Stat(PaidGame, 3, "ann", "steps", 5_000);
        run.World.Stat(PaidGame, 4, "ben", "steps", 3_000);
        run.World.End(PaidGame, 5);
        run.World.Start(SettledGame, 2);
        run.World.Stat(SettledGame, 3, "cat", "steps", 9_000);
        run.World.Stat(SettledGame, 4, "dan", "steps", 4_000);
        run.World.Stat(SettledGame, 5, "eve", "steps", 2_000);
        run.World.End(SettledGame, 6);
        await run.WaitForSettlementStateAsync(Paid, "PAID", TimeSpan.FromSeconds(120));
        await run.WaitForSettlementStateAsync(Settled, "SETTLED", TimeSpan.FromSeconds(120));
        return (lockAt, payments);
    }

    /// <summary>Every case refused, as its corpus entry says (waited for, then judged once everything is
    /// read).</summary>
    private static async Task AssertEveryCaseRefusedAsync(ContestRun run, List<Sent> sent,
        Dictionary<string, object> values)
    {
        var pending = new List<string>();
        try
        {
            await Eventually.UntilAsync(() =>
            {
                var (letters, alerts) = Refusals(run);
                pending = [.. sent.SelectMany(s =>
                    Judge(s, values, letters, alerts).Take(1).Select(p => $"{s.Case.Name}: {p}"))];
                return Task.FromResult(pending.Count == 0);
            }, "every case refused", TimeSpan.FromSeconds(120));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; still waiting for:\n{string.Join("\n", pending)}", e);
        }
        // Whatever a case could still cause has had its chance once every consumer has read past it.
        await QuietAsync(run);
        var (finalLetters, finalAlerts) = Refusals(run);
        var problems = sent.SelectMany(s =>
            Judge(s, values, finalLetters, finalAlerts).Select(p => $"{s.Case.Name}: {p}")).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    // ---- sending ------------------------------------------------------------------------------

    private static async Task<Sent> SendAsync(ContestRun run, IProducer<byte[]?, byte[]?> producer,
        InsiderCorpus.Case c, Dictionary<string, object> values,
        string keysRun)
    {
        var caseValues = new Dictionary<string, object>(values) { ["case"] = c.ShortName };
        var key = Encoding.UTF8.GetBytes(HostileCorpus.Fill(c.Key, caseValues));
        byte[]? body;
        IReadOnlyList<Header> headers;
        if (c.Replay is { } replay)
        {
            // A genuine message, signed by its producer for where it was, put somewhere else.
            var wantedKey = replay.Key is null ? null : HostileCorpus.Fill(replay.Key, caseValues);
            var genuine = run.World.ReadRecords(replay.Topic).Last(r =>
                Header(r.Message.Headers, MessageHeaders.Type) == replay.Type
                && (wantedKey is null || Encoding.UTF8.GetString(r.Message.Key ?? []) == wantedKey)
                && run.World.Keys.Verifier(KeyPairs.ReadersOf(replay.Topic)[0]).Refusal(replay.Topic, r.Message.Key,
                    IncomingMessage.HeadersOf(r.Message.Headers), r.Message.Value) is null);
            (body, headers) = (genuine.Message.Value, IncomingMessage.HeadersOf(genuine.Message.Headers));
        }
        else
        {
            body = HostileCorpus.Fill(c.Raw(), caseValues);
            var id = HostileCorpus.Fill(c.MessageId ?? "insider:" + c.Name, caseValues);
            headers = OutgoingMessage.EnvelopeHeaders(new Envelope(id, c.Type, 1, id, null, DateTimeOffset.UtcNow));
            var sign = c.Sign ?? "none";
            var parts = sign.Split(':');
            headers = parts[0] switch
            {
                "none" => headers,
                // A real producer's own key, used for what it may not publish (or may, and asks too much).
                "as" => run.World.Sign(parts[1], c.Topic, key, body, headers),
                // The producer's name and key ids with secrets that are not its pair keys.
                "forged" => Forged(parts[1], SigningKeys.LocalKeyId).Sign(c.Topic, key, headers, body),
                "key-id" => Forged(parts[1], parts[2]).Sign(c.Topic, key, headers, body),
                // A compromised service: exactly the key folder its identity gives it, laid out as every local
                // process's is.
                "keys-of" when parts[2].Length == 0 => headers,
                "keys-of" => KeysOf(parts[1], keysRun).SignerFor(parts[2]).Sign(c.Topic, key, headers, body),
                _ => throw new InvalidOperationException($"{c.Name}: unknown signing '{sign}'"),
            };
        }
        var r = await producer.ProduceAsync(c.Topic,
            new Message<byte[]?, byte[]?> { Key = key, Value = body, Headers = KafkaClients.Headers(headers) });
        return new Sent(c, c.Topic, r.Partition.Value, r.Offset.Value,
            headers.LastOrDefault(h => h.Name == MessageHeaders.MessageId).Value is { } v
                ? Encoding.UTF8.GetString(v) : null);
    }

    private static MessageSigner Forged(string producer, string keyId) =>
        SigningKeys.Of([.. KeyPairs.ConsumersOf(producer).Select(c => SigningKeys.Generate(producer, c, keyId))])
            .SignerFor(producer);

    private static SigningKeys KeysOf(string service, string keysRun)
    {
        var folder = Path.Combine(keysRun, service);
        if (!Directory.Exists(folder))
            KeyMaterialFiles.Write(Services.Of(service).Keys!, LocalSigningKeys.Directory, folder);
        return SigningKeys.Load(folder);
    }

    // ---- judging ------------------------------------------------------------------------------

    private static (List<Letter> Letters, List<Alert> Alerts) Refusals(ContestRun run)
    {
        var letters = new List<Letter>();
        foreach (var topic in Consumers.Select(c => c.Topic).Distinct())
        {
            foreach (var d in run.World.ReadRecords(Topics.DeadLetter(topic)))
            {
                var h = d.Message.Headers;
                letters.Add(new Letter(Header(h, MessageHeaders.DeadLetterConsumer) ?? "",
                    $"{Header(h, MessageHeaders.DeadLetterOriginalTopic)}/"
                    + $"{Header(h, MessageHeaders.DeadLetterOriginalPartition)}@"
                    + $"{Header(h, MessageHeaders.DeadLetterOriginalOffset)}",
                    Header(h, MessageHeaders.DeadLetterReason) ?? ""));
            }
        }
        var alerts = run.World.Read(Topics.Alerts).Where(a => a.Body.ValueKind == System.Text.Json.JsonValueKind.Object)
            .Select(a => new Alert(
                a.Body.GetProperty("alertId").GetString()!, a.Body.GetProperty("source").GetString()!,
                a.Body.GetProperty("severity").GetString()!,
                a.Body.GetProperty("code").GetString()!, a.Body.GetProperty("message").GetString()!)).ToList();
        return (letters, alerts);
    }

    /// <summary>
    /// What is wrong with a case's outcome; nothing when each consumer named refused it, with its reason and a critical
    /// alert, and no other consumer did.
    /// </summary>
    private static IEnumerable<string> Judge(Sent s, Dictionary<string, object> values, List<Letter> letters,
        List<Alert> alerts)
    {
        var e = s.Case.Expect;
        var mine = letters.Where(l => l.Where == s.Where).ToList();
        foreach (var consumer in e.RefusedBy)
        {
            // A signature is checked by the consuming service (the group's worker): reasons name it as ${consumer}.
            var reason = HostileCorpus.Fill(e.Reason, new Dictionary<string, object>(values)
                { ["case"] = s.Case.ShortName,
                  ["consumer"] = consumer[..consumer.IndexOf('.', StringComparison.Ordinal)] });
            var letter = mine.FirstOrDefault(l => l.Consumer == consumer);
            if (letter is null)
            {
                yield return $"no dead letter from {consumer} for {s.Where}";
                continue;
            }
            if (!letter.Reason.StartsWith(reason, StringComparison.Ordinal))
                yield return $"{consumer} dead-lettered it with '{letter.Reason}', expected '{reason}'";
            // The alert of a refusal names the message by its coordinates (not authentic: nothing of it is trusted) or
            // its id, and ends with its offset.
            var offset = ":" + s.Offset.ToString(CultureInfo.InvariantCulture);
            if (!alerts.Any(a => a.Source == consumer && a.Code == e.Alert && a.Severity == AlertSeverities.Critical
                && a.Id.EndsWith(offset, StringComparison.Ordinal)
                    && (a.Id.Contains(s.Where, StringComparison.Ordinal)
                        || (s.MessageId is not null && a.Id.Contains(s.MessageId, StringComparison.Ordinal)))))
                yield return $"no critical {e.Alert} alert from {consumer} for {s.Where}";
        }
        foreach (var other in mine.Where(l => !e.RefusedBy.Contains(l.Consumer)))
            yield return $"also dead-lettered by {other.Consumer}: '{other.Reason}'";
    }

    // ---- the accepted data --------------------------------------------------------------------

    private static async Task<(string PayoutId, string EntryId, string PlayerId)> WaitForHeldPrizeAsync(ContestRun run)
    {
        (string, string, string)? held = null;
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            held = await conn.QueryFirstOrDefaultAsync<(string, string, string)?>(
                "SELECT payout_id, entry_id, player_id FROM payout.payouts WHERE contest_id = @Settled "
                + "AND state = 'held' AND hold_kind = 'review'", new { Settled });
            return held is not null && await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM payout.payouts WHERE contest_id = @Settled AND state <> 'paid'",
                new { Settled }) == 1;
        }, $"{Settled}'s first prize held for review and the rest paid", TimeSpan.FromSeconds(90));
        return held!.Value;
    }

    /// <summary>
    /// Until every consumer has committed everything on its topic and every outbox is sent, twice in a row.
    /// </summary>
    private static async Task QuietAsync(ContestRun run)
    {
        var quietLooks = 0;
        await Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            var unsent = 0L;
            foreach (var schema in Workers.All.Keys)
                unsent += await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.outbox_unsent");
            var quiet = unsent == 0
                && Consumers.All(c => PipelineFixture.Lag(run.Iso.Broker.BootstrapServers, c.Group, c.Topic) == 0);
            quietLooks = quiet ? quietLooks + 1 : 0;
            return quietLooks >= 2;
        }, "every consumer at the end of its topics and every outbox sent", TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// Every row the workers keep about contests, entries, games, standings, the ledger and money, and Stripe's own
    /// records, as text.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> SnapshotAsync(ContestRun run)
    {
        string[] tables =
        [
            "ingestion.contests", "ingestion.contest_games", "ingestion.entries", "ingestion.rejected_submissions",
            "ingestion.refund_orders", "ingestion.games",
            "scoring.contests", "scoring.contest_games", "scoring.entries", "scoring.games", "scoring.stat_values",
            "scoring.final_standings",
            "scoring.corrections_after_complete",
            "settlement.contests", "settlement.entries", "settlement.standings_chunks", "settlement.payouts",
            "settlement.refund_orders",
            "settlement.journal", "settlement.postings",
            "payout.recipients", "payout.payouts", "payout.refunds", "payout.accepted_entry_fees", "payout.freezes",
            "payout.stripe_events",
            "payout.payout_authorizations", "payout.contest_payout_budgets",
            // What operators' decisions change: a halt, a release, a make-good, an alert's handling, the audit trail.
            "payout.dispatch", "payout.halts", "payout.release_approvals", "settlement.make_good_proposals",
            "operations.alert_actions", "operations.decisions", "operations.audit", "operations.dispatch",
            "operations.make_good_proposals", "operations.make_goods",
        ];
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
            snapshot[table] = [.. (await conn.QueryAsync<string>($"SELECT t::text FROM {table} t"))
                .Order(StringComparer.Ordinal)];
        var ledger = run.Stripe.Ledger();
        snapshot["stripe transfers"] = [.. ledger.Transfers.Select(t =>
            $"{t.Id} {t.Amount} {t.Destination} {t.TransferGroup} {t.IdempotencyKey}").Order(StringComparer.Ordinal)];
        snapshot["stripe refunds"] = [.. ledger.Refunds.Select(r => $"{r.PaymentIntent}")
            .Order(StringComparer.Ordinal)];
        snapshot["stripe balance"] = [run.Stripe.PlatformBalance("usd").ToString()];
        return snapshot;
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static string? Header(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var b) ? Encoding.UTF8.GetString(b) : null;

    private static string Stamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'+00:00'", CultureInfo.InvariantCulture);
}
