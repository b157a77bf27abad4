using System.Diagnostics;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Checks;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.StripeEmulation;
using Dapper;
using Npgsql;
using ContestPipeline.Deployment;
using ContestPipeline.Operations.Queries.Ledger;
using ContestPipeline.Rules.Ledger;

namespace ContestPipeline.Local.Demo;

/// <summary>
/// The demo's slate: a fantasy contest over three games, one of them postponed past the
/// slate's end (its athletes score zero, and the contest completes when the other two have
/// ended), with a declined payment, a duplicate submission, one over the per-player limit and
/// a late entry; a fitness challenge with a correction before COMPLETE; the same walk as a challenge free to enter,
/// its prize guaranteed and funded by a sponsor; and an under-filled contest that is cancelled at lock and refunded.
/// Every player but one has a payout account; that one wins the fitness challenge and
/// onboards after it settles. Prizes above the review threshold are released by the
/// operator command. Runs it through the workers to PAID, prints the contests' timelines,
/// standings and money, and checks the invariants against Stripe's records and the ledger.
/// </summary>
public sealed class ContestSlate(OutsideWorld world, NpgsqlDataSource db, LocalSwaps swaps)
{
    /// <summary>The operator's tool as compose's cpctl service has it: the read-only role and the operator's
    /// key.</summary>
    private LocalProcessSpec Cpctl(params string[] arguments) =>
        LocalServices.Prepare(Services.Cpctl, swaps, label: "cpctl-" + Guid.NewGuid().ToString("N")[..8])
            with { Arguments = arguments };

    /// <summary>The demo's review threshold: sunday-main's first prize is above it.</summary>
    public const long ReviewThresholdMinor = 6_000;

    /// <summary>
    /// What the payout worker needs for this slate: the demo's review threshold, and a prompt recheck of accounts.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> PayoutEnvironment { get; } = new Dictionary<string, string?>
    {
        [PayoutOptions.Settings.ReviewThresholdMinor] =
            ReviewThresholdMinor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [PayoutOptions.Settings.AccountRecheckMs] = "1000",
    };

    /// <summary>The checks that failed, each as printed.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>
    /// From the moment the workers are taking messages to the slate's lock: four definitions
    /// and 39 submissions, each payment verified with Stripe, must be decided in it, on a busy
    /// machine too.
    /// </summary>
    public static readonly TimeSpan LockMargin = TimeSpan.FromSeconds(20);

    /// <summary>The contests the slate defines, and those it pays.</summary>
    private static readonly string[] Contests = ["sunday-main", "steps-nov", "walk-free", "tiny"];
    private static readonly string[] PaidContests = ["sunday-main", "steps-nov", "walk-free"];

    /// <summary>The free challenge's sponsor, and what it guarantees (invoiced to the sponsor).</summary>
    private const string Sponsor = "acme-shoes";
    private const long SponsoredPrize = 2_000;

    /// <summary>The fitness challenges' winner, who has no payout account until after they settle.</summary>
    private const string LateOnboarder = "ann";

    private const long Fee = 1_000;
    private static readonly string[] Game1 = ["qb1", "rb1", "wr1", "te1", "k1", "d1"];
    private static readonly string[] Game2 = ["qb2", "rb2", "wr2", "te2", "k2", "d2"];
    /// <summary>The game postponed to next week, past the slate's end.</summary>
    private static readonly string[] Game3 = ["qb3", "rb3", "wr3", "te3", "k3", "d3"];
    private static readonly string[] Walkers = ["ann", "ben", "cat", "dan", "eve", "fay"];
    private static readonly string[] FreeWalkers = [.. Walkers.Where(w => w != LateOnboarder)];
    private static readonly IReadOnlyList<ScoringRule> Football =
    [
        new("passing_yards", 40), new("passing_touchdowns", 4_000), new("interceptions", -2_000),
        new("rushing_yards", 100), new("receiving_yards", 100), new("receptions", 500),
    ];

    private readonly List<string> _problems = [];
    private readonly Dictionary<string, (string Player, string[] Lineup)> _fantasyEntries = [];
    private readonly Dictionary<(string Game, string Athlete, string Stat), long> _finalStats = [];
    private readonly Dictionary<string, string> _statesShown = [];

    public async Task<bool> RunAsync(CancellationToken ct)
    {
        var random = new Random(1121);
        var gamesStartAt = DateTimeOffset.UtcNow.AddMinutes(10);
        world.Schedule("nfl-1", 1, gamesStartAt, Game1);
        world.Schedule("nfl-2", 1, gamesStartAt, Game2);
        world.Schedule("nfl-3", 1, gamesStartAt, Game3);
        world.Schedule("steps-nov", 1, gamesStartAt, Walkers);
        await WaitAsync("the feed to schedule the slate's games",
            "SELECT count(*) = 4 FROM ingestion.games WHERE status = 'scheduled'", ct);

        var players = Enumerable.Range(1, 26).Select(i => $"player{i:00}")
            .Concat(Walkers.Where(w => w != LateOnboarder)).ToList();
        foreach (var player in players) await world.SignUpForPayoutsAsync(player);
        Step($"{players.Count} players signed up for payouts (Express accounts, onboarded); "
            + $"{LateOnboarder} has no account yet");

        // The lock is counted from here: the workers are taking messages (Ingestion has the
        // feed's games) and the players are signed up, so neither how long the workers took to
        // start nor the sign-ups are taken from the time the definitions and entries need.
        var lockAt = DateTimeOffset.UtcNow + LockMargin;

        var (fantasy, fitness, free, tiny) = Definitions(lockAt);
        foreach (var c in new[] { fantasy, fitness, free, tiny }) world.Define(c);
        await WaitAsync("the four contests to be scheduled", "SELECT count(*) = 4 FROM ingestion.contests", ct);
        Step("contests scheduled: sunday-main (fantasy, ranked table), steps-nov (fitness, winner takes all), "
            + $"walk-free (the same walk, free to enter, {Fixed(SponsoredPrize, 100, "00")} guaranteed by {Sponsor}), "
            + "tiny (needs 5 entries)");

        SubmitEntries(random);
        await WaitForStatesAsync(
            new() { ["sunday-main"] = "LOCKED", ["steps-nov"] = "LOCKED", ["walk-free"] = "LOCKED",
                ["tiny"] = "CANCELLED" }, ct);
        world.Submit(new EntrySubmitted("sm-late", "sunday-main", "player26", world.Pay("sunday-main", "player26", Fee),
            ["qb1", "qb2", "qb3"]));
        Step("a late entry submitted after lock");
        // Weather: nfl-3 moves to three days later, past sunday-main's slate end (a day after its games' scheduled
        // start).
        world.Postpone("nfl-3", 2, gamesStartAt.AddDays(3), "stadium roof damage: moved to Wednesday");
        Step("nfl-3 postponed by three days, past sunday-main's slate end: its athletes will score zero");

        PlaySlate(random);
        await WaitForStatesAsync(
            new() { ["sunday-main"] = "SETTLED", ["steps-nov"] = "SETTLED", ["walk-free"] = "SETTLED",
                ["tiny"] = "CANCELLED" }, ct);
        await PayoutsAsync(ct);
        await WaitForStatesAsync(
            new() { ["sunday-main"] = "PAID", ["steps-nov"] = "PAID", ["walk-free"] = "PAID", ["tiny"] = "CANCELLED" },
            ct);
        await ReportAsync(fantasy);
        return _problems.Count == 0;
    }

    /// <summary>
    /// The slate's four contests, locking at <paramref name="lockAt"/>: the fantasy main slate (a ranked table),
    /// the step challenge (winner takes all), the same walk free to enter with a sponsor's guaranteed prize, and a
    /// head to head that needs five entries and gets one.
    /// </summary>
    private static (ContestDefined Fantasy, ContestDefined Fitness, ContestDefined Free, ContestDefined Tiny)
        Definitions(DateTimeOffset lockAt)
    {
        var fantasy = new ContestDefined("sunday-main", "Sunday main slate", ContestKinds.Fantasy, "USD", Fee, 2, 1_000,
            1, lockAt, ["nfl-1", "nfl-2", "nfl-3"], Football, 3,
            new PrizeTable(PrizeTableKinds.Ranked,
                Places: [new(1, 1, 4_000), new(2, 2, 2_500), new(3, 3, 1_400), new(4, 5, 800), new(6, 10, 100)]),
            new PoolRule(PoolModes.Rake, 1_000), 300);
        var fitness = new ContestDefined("steps-nov", "November step challenge", ContestKinds.Fitness, "USD", Fee, 2,
            100, 1, lockAt, ["steps-nov"], [new("steps", 1), new("active_minutes", 100)], 0,
            new PrizeTable(PrizeTableKinds.WinnerTakesAll), new PoolRule(PoolModes.Rake, 1_000), 300);
        var free = fitness with
        {
            ContestId = "walk-free", Title = $"November walk, free to enter: {Sponsor} pays the winner",
            EntryFeeMinor = 0, Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: SponsoredPrize,
                Sponsor: Sponsor), PlatformFeeBp = 0,
        };
        var tiny = fantasy with { ContestId = "tiny", Title = "Head to head, needs five", MinEntries = 5,
            GameIds = ["nfl-1"], LineupSize = 2 };
        return (fantasy, fitness, free, tiny);
    }

    /// <summary>
    /// The entries before lock: 27 to sunday-main (one declined, one duplicate, one over the limit), 6 to steps-nov,
    /// 5 to walk-free (no payment), 1 to tiny.
    /// </summary>
    private void SubmitEntries(Random random)
    {
        for (var i = 1; i <= 24; i++)
        {
            var player = $"player{i:00}";
            // The third pick, from the game that will be postponed, draws nothing from the seed: the other picks stay
            // as they were.
            var lineup = new[] { Game1[random.Next(6)], Game2[random.Next(6)], Game3[i % Game3.Length] };
            var payment = world.Pay("sunday-main", player, Fee);
            _fantasyEntries[EntrySubmitted.EntryIdFor(payment)] = (player, lineup);
            world.Submit(new EntrySubmitted($"sm-{i}", "sunday-main", player, payment, lineup));
            if (i == 3)
                world.Submit(new EntrySubmitted("sm-3-again", "sunday-main", player,
                    payment, lineup));   // the same payment twice: one entry
        }
        world.Submit(new EntrySubmitted("sm-declined", "sunday-main", "player25",
            world.Pay("sunday-main", "player25", Fee, status: "requires_payment_method"), ["qb1", "qb2", "qb3"]));
        world.Submit(new EntrySubmitted("sm-second", "sunday-main", "player01",
            world.Pay("sunday-main", "player01", Fee), ["rb1", "rb2", "rb3"]));  // over the per-player limit
        foreach (var w in Walkers)
            world.Submit(new EntrySubmitted($"walk-{w}", "steps-nov", w, world.Pay("steps-nov", w, Fee), null));
        // ann, who wins steps-nov, sits this one out: a second prize to her would wait out the payout velocity gate.
        foreach (var w in FreeWalkers)
            world.Submit(new EntrySubmitted($"free-{w}", "walk-free", w, EntrySubmitted.FreePaymentFor($"free-{w}"),
                null));
        world.Submit(new EntrySubmitted("tiny-1", "tiny", "player01", world.Pay("tiny", "player01", Fee),
            ["qb1", "rb1"]));
        Step("entries submitted: 27 to sunday-main (one declined, one duplicate, one over the limit), "
            + $"6 to steps-nov, {FreeWalkers.Length} to walk-free (free: no payment), 1 to tiny");
    }

    /// <summary>The provider feeds both games that are played and the step challenge, with a correction.</summary>
    private void PlaySlate(Random random)
    {
        PlayGame("nfl-1", Game1, random);
        PlayGame("nfl-2", Game2, random);
        world.Start("steps-nov", 2);
        var seq = 3L;
        foreach (var w in Walkers) Stat("steps-nov", seq++, w, "steps", 8_000 + random.Next(8_000));
        Stat("steps-nov", seq++, "cat", "active_minutes", 95);
        Correct("steps-nov", seq++, LateOnboarder,
            "steps", 30_000);   // a correction before COMPLETE re-scores, and makes her the winner
        world.End("steps-nov", seq);
        Step("the provider fed both games and the step challenge, including a correction before COMPLETE");
    }

    /// <summary>
    /// What an operator and a winner do while prizes go out: the operator releases what the
    /// review threshold held, the winner without an account follows her onboarding link, and
    /// Stripe delivers one webhook twice.
    /// </summary>
    private async Task PayoutsAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var watch = Stopwatch.StartNew();
        var payouts = await PayoutsDecidedAsync(conn, watch, ct);
        Step($"payouts: {payouts.Count(p => p.State == "paid")} paid, " +
             $"{payouts.Count(p => p.State == "held:review")} held for review, " +
             $"{payouts.Count(p => p.State == "awaiting_account")} waiting for an account");

        var held = payouts.Where(p => p.State == "held:review").ToList();
        Check(held.Count > 0 && held.All(p => p.Amount > ReviewThresholdMinor),
            $"prizes above the review threshold of {Fixed(ReviewThresholdMinor, 100, "00")} were held, "
                + $"and only those ({held.Count})");
        foreach (var p in held) await ReleaseAsync(p.PayoutId, ct);

        var needed = await WaitForTopicAsync(Topics.PayoutsStatus, m => m.Type == RecipientOnboardingNeeded.MessageType
            && m.Body.GetProperty("playerId").GetString() == LateOnboarder,
            "the onboarding notice for " + LateOnboarder, ct);
        var path = needed.Body.GetProperty("onboardingPath").GetString()!;
        var url = await FreshOnboardingLinkAsync(path, ct);
        Step($"{LateOnboarder} won without a payout account; "
            + $"the platform asked its read API (POST {path}) for a link: {url}");
        using (var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }))
            await http.GetAsync(url, ct);
        Step($"{LateOnboarder} followed the link and finished onboarding; Stripe sends account.updated");

        while (watch.Elapsed < TimeSpan.FromSeconds(120)
               && await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM payout.payouts WHERE state <> 'paid'") > 0)
            await Task.Delay(200, ct);
        await RedeliverOneWebhookAsync(conn, watch, ct);
    }

    /// <summary>Payout's payouts once each settled prize is paid, held for review or waiting for an account (at most
    /// 60 s from <paramref name="watch"/>'s start).</summary>
    private static async Task<List<(string PayoutId, string PlayerId, long Amount, string State)>> PayoutsDecidedAsync(
        NpgsqlConnection conn, Stopwatch watch, CancellationToken ct)
    {
        var settledPayouts =
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.payouts WHERE net_minor > 0");
        List<(string PayoutId, string PlayerId, long Amount, string State)> payouts = [];
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            payouts = [.. await conn.QueryAsync<(string, string, long, string)>(
                "SELECT payout_id, player_id, amount_minor, state || coalesce(':' || hold_kind, '') "
                    + "FROM payout.payouts ORDER BY payout_id")];
            if (payouts.Count == settledPayouts
                && payouts.All(p => p.State is "paid" or "held:review" or "awaiting_account")) break;
            await Task.Delay(200, ct);
        }
        return payouts;
    }

    /// <summary>As an operator would: the operator tool, run as its own process against this stack, releases a held
    /// payout.</summary>
    private async Task ReleaseAsync(string payoutId, CancellationToken ct)
    {
        string[] release = ["payouts", "release", payoutId, "--operator", "demo-operator", "--reason",
            "checked the winner"];
        var output = new List<string>();
        await using (var cpctl = LocalServices.Start(Cpctl(release),
            Path.Combine(swaps.RunDirectory, "cpctl-release.log"), line => { lock (output) output.Add(line); }))
        {
            await cpctl.WaitForExitAsync(ct);
            Check(cpctl.ExitCode == 0,
                $"cpctl payouts release {payoutId} exited {cpctl.ExitCode}: {string.Join(" / ", output)}");
        }
        Step($"operator: cpctl payouts release {payoutId} --operator demo-operator "
            + $"--reason \"checked the winner\"   ({string.Join(" ", output)})");
    }

    /// <summary>
    /// Stripe delivers one event a second time, as it does when unsure it was received: it is applied once (the
    /// waits end 150 s and 180 s from <paramref name="watch"/>'s start).
    /// </summary>
    private async Task RedeliverOneWebhookAsync(NpgsqlConnection conn, Stopwatch watch, CancellationToken ct)
    {
        var again = world.Stripe.Events().First(e => e.Type == "transfer.created");
        world.Stripe.RedeliverEvent(again.Id);
        while (watch.Elapsed < TimeSpan.FromSeconds(150)
            && world.Stripe.WebhookDeliveries().Count(d => d.EventId == again.Id && d.Status == 200) < 2)
            await Task.Delay(100, ct);
        // Both deliveries are on stripe.events (the receiver answers 200 once it has published);
        // once Payout's consumer has read that topic to its end, a second application would show.
        var stripeEvents = Workers.All["payout"].Consumers.Single(c => c.Topics.Contains(Topics.StripeEvents)).Consumer;
        while (watch.Elapsed < TimeSpan.FromSeconds(180) && world.Lag(stripeEvents, Topics.StripeEvents) > 0)
            await Task.Delay(100, ct);
        var deliveries = world.Stripe.WebhookDeliveries().Count(d => d.EventId == again.Id && d.Status == 200);
        var handled =
            await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM payout.inbox WHERE message_id = @Id", again);
        Check(deliveries == 2 && handled == 1,
            $"webhook {again.Id} ({again.Type}) delivered {deliveries} times, applied {handled} time(s)");
    }

    /// <summary>As the platform's onboarding page gets a winner's link: from its read API, which asks Payout for a new
    /// one.</summary>
    private async Task<string> FreshOnboardingLinkAsync(string path, CancellationToken ct)
    {
        await using var api = await LocalPlayerApi.StartAsync(swaps, ct);
        using var platform = api.Platform();
        using var response = await platform.PostAsync(path, null, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Check(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {body}");
        using var answer = System.Text.Json.JsonDocument.Parse(body);
        return answer.RootElement.GetProperty("url").GetString()!;
    }

    private async Task<OutsideWorld.Published> WaitForTopicAsync(string topic, Func<OutsideWorld.Published, bool> match,
        string what, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var found = world.Read(topic).FirstOrDefault(match);
            if (found is not null) return found;
            await Task.Delay(300, ct);
        }
        throw new TimeoutException("timed out waiting for " + what);
    }

    private void PlayGame(string game, string[] athletes, Random random)
    {
        world.Start(game, 2);
        var seq = 3L;
        var totals = new Dictionary<(string, string), long>();
        for (var i = 0; i < 30; i++)
        {
            var athlete = athletes[random.Next(athletes.Length)];
            var stat = Football[random.Next(Football.Count)].Stat;
            var total = totals.GetValueOrDefault((athlete, stat)) + random.Next(1, 30);
            totals[(athlete, stat)] = total;
            Stat(game, seq++, athlete, stat, total);
        }
        world.End(game, seq);
    }

    private void Stat(string game, long seq, string athlete, string stat, long value)
    {
        _finalStats[(game, athlete, stat)] = value;
        world.Stat(game, seq, athlete, stat, value);
    }

    private void Correct(string game, long seq, string athlete, string stat, long value)
    {
        _finalStats[(game, athlete, stat)] = value;
        world.Correct(game, seq, athlete, stat, value);
    }

    private async Task ReportAsync(ContestDefined fantasy)
    {
        await using var conn = await db.OpenConnectionAsync();
        var timeline = await CaughtUpTimelineAsync();
        await PrintTimelinesAsync(conn, timeline);

        Console.WriteLine();
        // One snapshot of Stripe's records, so transfers and refunds are read at the same moment.
        var stripeLedger = world.Stripe.Ledger();
        var settled = timeline.Where(m => m.Type == ContestSettled.MessageType).ToDictionary(m => m.Key, m => m.Body);
        await PrintMoneyAsync(conn, settled, stripeLedger.Transfers);

        // Checks: what the pipeline published must be what the rules say.
        Console.WriteLine();
        await CheckMoneyAsync(conn, timeline, stripeLedger.Transfers, stripeLedger.Refunds);
        await CheckSundayMainAsync(conn, timeline, settled, fantasy);
        await CheckFreeAsync(conn, timeline, stripeLedger.Transfers);
        CheckNothingDeadLettered();
    }

    /// <summary>
    /// The lifecycle topic once it has caught up: the database records a transition a moment before the relay has
    /// published it, so the report is made from the topics once they have (at most 30 s).
    /// </summary>
    private async Task<List<OutsideWorld.Published>> CaughtUpTimelineAsync()
    {
        var watch = Stopwatch.StartNew();
        var timeline = world.Read(Topics.ContestLifecycle);
        while (watch.Elapsed < TimeSpan.FromSeconds(30)
               && (timeline.Count(m => m.Type == ContestStateChanged.MessageType
                       && m.Body.GetProperty("to").GetString() == "PAID") < PaidContests.Length
                   || world.Read(Topics.PayoutsStatus).Count(m => m.Type == EntryFeeRefunded.MessageType) < 3))
        {
            await Task.Delay(200);
            timeline = world.Read(Topics.ContestLifecycle);
        }
        return timeline;
    }

    /// <summary>Each contest's transitions, rejected entries and top five.</summary>
    private static async Task PrintTimelinesAsync(NpgsqlConnection conn, List<OutsideWorld.Published> timeline)
    {
        foreach (var contest in Contests)
        {
            Console.WriteLine();
            Console.WriteLine($"  {contest}");
            foreach (var m in timeline.Where(m => m.Key == contest && m.Type == ContestStateChanged.MessageType))
                Console.WriteLine($"    {m.Body.GetProperty("from").GetString(),-9} -> "
                    + $"{m.Body.GetProperty("to").GetString(),-9} {m.Body.GetProperty("reason").GetString()}");
            foreach (var m in timeline.Where(m => m.Key == contest && m.Type == EntryRejected.MessageType))
                Console.WriteLine($"    rejected {m.Body.GetProperty("submissionId").GetString(),-12} "
                    + $"{(m.Body.GetProperty("refundId").ValueKind == System.Text.Json.JsonValueKind.String
                        ? "refund ordered" : "no refund"),-15} {m.Body.GetProperty("reason").GetString()}");
            var top = (await conn.QueryAsync<(int Rank, string PlayerId, long Score)>(
                "SELECT rank, player_id, score_milli FROM scoring.final_standings WHERE contest_id = @contest "
                    + "ORDER BY rank, entry_id COLLATE \"C\" LIMIT 5", new { contest })).ToList();
            foreach (var (rank, player, score) in top)
                Console.WriteLine($"    #{rank,-3} {player,-10} {Points(score),10} pts");
        }
    }

    /// <summary>Each contest's money: fees, rake, pool, prizes and what Stripe transferred, or what was
    /// refunded.</summary>
    private static async Task PrintMoneyAsync(NpgsqlConnection conn,
        Dictionary<string, System.Text.Json.JsonElement> settled, IReadOnlyList<RecordedTransfer> transfers)
    {
        Console.WriteLine($"  {"contest",-12} {"state",-10} {"entries",7} {"fees",10} {"rake",9} {"pool",10} "
            + $"{"prizes",10} {"fees 3%",9} {"payouts",7} {"paid",10}");
        var money = (await conn.QueryAsync<(string Id, string State)>(StatesSql))
            .OrderBy(r => r.Id, StringComparer.Ordinal);
        foreach (var (id, state) in money)
        {
            var entries = await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM settlement.entries WHERE contest_id = @id", new { id });
            if (settled.TryGetValue(id, out var b))
                Console.WriteLine($"  {id,-12} {state,-10} {entries,7} {Cents(b, "entryFeesMinor"),10} "
                    + $"{Cents(b, "rakeMinor"),9} {Cents(b, "poolMinor"),10} {Cents(b, "prizesNetMinor"),10} "
                    + $"{Cents(b, "platformFeesMinor"),9} {b.GetProperty("payouts").GetInt32(),7} "
                    + $"{Fixed(transfers.Where(t => t.TransferGroup == id).Sum(t => t.Amount), 100, "00"),10}");
            else
                Console.WriteLine($"  {id,-12} {state,-10} {entries,7}   (entries refunded: "
                    + $"{await conn.ExecuteScalarAsync<long>(
                        "SELECT count(*) FROM settlement.refund_orders WHERE contest_id = @id", new { id })})");
        }
    }

    /// <summary>
    /// The contests' states, invariants 1-3 of the design against Stripe's own records, and the ledger: balanced,
    /// closed as each contest's state requires, and equal to Stripe's balance.
    /// </summary>
    private async Task CheckMoneyAsync(NpgsqlConnection conn, List<OutsideWorld.Published> timeline,
        IReadOnlyList<RecordedTransfer> transfers, IReadOnlyList<RecordedRefund> refundsMade)
    {
        var states = (await conn.QueryAsync<(string Id, string State)>(StatesSql))
            .ToDictionary(r => r.Id, r => r.State);
        Check(PaidContests.All(c => states.GetValueOrDefault(c) == "PAID")
                && states.GetValueOrDefault("tiny") == "CANCELLED",
            "every contest reached its expected state: sunday-main, steps-nov and walk-free PAID, tiny CANCELLED");

        // Invariants 1-3 of the design, against Stripe's own records.
        var sent = await MoneyInvariants.TransfersAsync(conn, transfers);
        Check(sent.Holds,
            $"invariant 1: {transfers.Count} transfers for {sent.Ordered} prizes: none twice ({sent.Duplicates}), "
                + $"no winner unpaid ({sent.Missing}), none unordered ({sent.Stray})");
        var refunded = await MoneyInvariants.RefundsAsync(conn, refundsMade);
        Check(refunded.Holds && refunded.Made == 3,
            $"invariant 2: {refunded.Made} refunds on Stripe for {refunded.Ordered} orders: "
                + $"none twice ({refunded.Duplicates}), none missing ({refunded.Missing})");
        foreach (var pool in MoneyInvariants.Pools(timeline, transfers))
            Check(pool.Holds,
                $"invariant 3, {pool.ContestId}: transfers {Fixed(pool.Transferred, 100, "00")} "
                    + $"+ platform fees + rake = {Fixed(pool.Accounted, 100, "00")}, "
                    + $"entry fees kept and overlay {Fixed(pool.EntryFeesKept, 100, "00")}");
        var (ledgerStripe, stripeBalance) = await MoneyInvariants.StripeBalanceAsync(conn, world.Stripe, "usd");
        Check(ledgerStripe == stripeBalance,
            $"the ledger's Stripe balance ({Fixed(ledgerStripe, 100, "00")}) equals Stripe's platform balance "
                + $"({Fixed(stripeBalance, 100, "00")})");
        var ledger = new List<string>(await LedgerCheckStore.BookAsync(conn));
        foreach (var contest in Contests) ledger.AddRange(await LedgerCheckStore.ContestAsync(conn, contest));
        Check(ledger.Count == 0,
            "ledger: every journal entry balances, the book sums to zero, paid contests' accounts (winners' payables "
            + "included) are closed, the cancelled one holds only fees not yet refunded"
            + (ledger.Count == 0 ? "" : ": " + string.Join("; ", ledger)));
    }

    /// <summary>
    /// sunday-main as its rules say: the tie across the prize boundary, the pools paid to the cent, the entries
    /// accepted and refunded, and its standings recomputed from what the provider sent.
    /// </summary>
    private async Task CheckSundayMainAsync(NpgsqlConnection conn, List<OutsideWorld.Published> timeline,
        Dictionary<string, System.Text.Json.JsonElement> settled, ContestDefined fantasy)
    {
        // The slate's seed ties two entries for 3rd: they span 3rd (14%) and 4th (8%) and share 11% each.
        var tie = (await conn.QueryAsync<(int Rank, long Gross)>(
            "SELECT rank, gross_minor FROM settlement.payouts WHERE contest_id = 'sunday-main' AND rank = 3")).ToList();
        Check(tie.Count == 2 && tie.Max(t => t.Gross) - tie.Min(t => t.Gross) <= 1
                && Math.Abs(tie.Sum(t => t.Gross) - 21_600L * (1_400 + 800) / 10_000) <= 1,
            $"the tie for 3rd across the prize boundary (3rd | 4th-5th) shares both places' prizes equally: "
                + $"{string.Join(" and ", tie.Select(t => Fixed(t.Gross, 100, "00")))}");
        var poolPaid = settled.Count == PaidContests.Length && settled.Values.All(b =>
            b.GetProperty("poolMinor").GetInt64()
            == b.GetProperty("prizesNetMinor").GetInt64() + b.GetProperty("platformFeesMinor").GetInt64());
        Check(poolPaid, "each settled pool is paid out to the cent (prizes + fees on prizes = pool)");
        var accepted = timeline.Count(m => m.Key == "sunday-main" && m.Type == EntryAccepted.MessageType);
        Check(accepted == 24, $"sunday-main accepted 24 entries (got {accepted}): the duplicate was one entry, "
            + $"the declined, over-limit and late ones were refused");
        var refunds = world.Read(Topics.PayoutsDue).Where(m => m.Type == "RefundOrdered")
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).ToList();
        Check(refunds.Count == 3 && refunds.Distinct().Count() == 3,
            $"three refunds ordered, each once: the over-limit entry, the late one, and tiny's entry when it was "
                + $"cancelled (got {refunds.Count})");

        var board = new ContestBoard(fantasy);
        foreach (var (entryId, (player, lineup)) in _fantasyEntries) board.AddEntry(entryId, player, lineup);
        foreach (var ((game, athlete, stat), value) in _finalStats) board.ApplyStat(game, athlete, stat, value);
        var (standingsHash, inputsHash) = await conn.QueryFirstAsync<(string, string)>(
            "SELECT standings_hash, inputs_hash FROM scoring.contests WHERE contest_id = 'sunday-main'");
        var completed = timeline.Single(m => m.Key == "sunday-main" && m.Type == ContestStateChanged.MessageType
            && m.Body.GetProperty("to").GetString() == "COMPLETE");
        Check(completed.Body.GetProperty("reason").GetString()!
                .Contains("game nfl-3 postponed", StringComparison.Ordinal),
            "sunday-main completed when nfl-1 and nfl-2 had ended, nfl-3's athletes scoring zero (postponed past the "
                + "slate's end), as its rule says");
        Check(standingsHash == board.StandingsHash() && inputsHash == board.InputsHash(),
            $"sunday-main's standings and inputs hashes equal the scoring engine's own recomputation "
                + $"({standingsHash[..16]}…)");
    }

    /// <summary>
    /// walk-free as a free contest: its entries paid nothing and nothing of them is booked as a fee, and its prize is
    /// the sponsor's guarantee, paid from the platform's balance and owed by the sponsor in the ledger.
    /// </summary>
    private async Task CheckFreeAsync(NpgsqlConnection conn, List<OutsideWorld.Published> timeline,
        IReadOnlyList<RecordedTransfer> transfers)
    {
        var entries = timeline.Where(m => m.Key == "walk-free" && m.Type == EntryAccepted.MessageType).ToList();
        Check(entries.Count == FreeWalkers.Length
                && entries.All(e => e.Body.GetProperty("amountMinor").GetInt64() == 0),
            $"walk-free accepted {entries.Count} free entries, no payment taken for any");
        var fees = await conn.ExecuteScalarAsync<long>(
            "SELECT coalesce(sum(p.amount_minor), 0) FROM settlement.postings p WHERE p.account = @account",
            new { account = Accounts.EntryFees("walk-free") });
        var funded = await conn.ExecuteScalarAsync<long>(
            "SELECT coalesce(sum(amount_minor), 0) FROM settlement.postings WHERE account = @account",
            new { account = Accounts.SponsorFunding(Sponsor) });
        var paid = transfers.Where(t => t.TransferGroup == "walk-free").Sum(t => t.Amount);
        Check(fees == 0 && funded == SponsoredPrize && paid == SponsoredPrize,
            $"walk-free's prize of {Fixed(paid, 100, "00")} was paid from the guarantee {Sponsor} funds "
                + $"({Fixed(funded, 100, "00")} owed by the sponsor in the ledger; entry fees "
                + $"{Fixed(fees, 100, "00")})");
    }

    private void CheckNothingDeadLettered()
    {
        var deadLetters = world.Read(Topics.DeadLetter(Topics.Contests)).Count
            + world.Read(Topics.DeadLetter(Topics.Entries)).Count
            + world.Read(Topics.DeadLetter(Topics.ProviderFeed)).Count
            + world.Read(Topics.DeadLetter(Topics.Games)).Count
            + world.Read(Topics.DeadLetter(Topics.ContestLifecycle)).Count
            + world.Read(Topics.DeadLetter(Topics.PayoutsDue)).Count
            + world.Read(Topics.DeadLetter(Topics.PayoutsStatus)).Count
            + world.Read(Topics.DeadLetter(Topics.StripeEvents)).Count;
        Check(deadLetters == 0, $"no message was dead-lettered (got {deadLetters})");
    }

    /// <summary>Minor units as "123.45", in integers: no decimal or floating point near money.</summary>
    private static string Cents(System.Text.Json.JsonElement body, string field) =>
        Fixed(body.GetProperty(field).GetInt64(), 100, "00");

    /// <summary>Thousandths of a point as "123.456".</summary>
    private static string Points(long milli) => Fixed(milli, 1_000, "000");

    private static string Fixed(long value, long scale, string fraction)
    {
        var sign = value < 0 ? "-" : "";
        var abs = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sign}{abs / (ulong)scale}."
            + $"{(abs % (ulong)scale).ToString(fraction, System.Globalization.CultureInfo.InvariantCulture)}");
    }

    private void Check(bool ok, string what)
    {
        Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
        if (!ok) _problems.Add(what);
    }

    private async Task WaitForStatesAsync(Dictionary<string, string> wanted, CancellationToken ct)
    {
        var seen = _statesShown;
        var watch = Stopwatch.StartNew();
        await using var conn = await db.OpenConnectionAsync(ct);
        while (watch.Elapsed < TimeSpan.FromSeconds(90) && !ct.IsCancellationRequested)
        {
            var states = (await conn.QueryAsync<(string Id, string State)>(StatesSql)).ToList();
            foreach (var (id, state) in states.Where(s => seen.GetValueOrDefault(s.Id) != s.State))
            {
                seen[id] = state;
                Step($"{id} is {state}");
            }
            if (wanted.All(w => seen.GetValueOrDefault(w.Key) == w.Value)) return;
            await Task.Delay(200, ct);
        }
        throw new TimeoutException(
            $"contests did not reach {string.Join(", ", wanted.Select(w => $"{w.Key} {w.Value}"))}");
    }

    /// <summary>The referee's state, or Settlement's once it has settled the contest.</summary>
    private const string StatesSql = """
        SELECT s.contest_id, CASE WHEN t.state IN ('SETTLED', 'PAID') THEN t.state ELSE s.state END
        FROM scoring.contests s LEFT JOIN settlement.contests t USING (contest_id)
        """;

    private async Task WaitAsync(string what, string sql, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var tables = await conn.ExecuteScalarAsync<bool>(
                "SELECT to_regclass('ingestion.contests') IS NOT NULL AND to_regclass('scoring.contests') IS NOT NULL "
                    + "AND to_regclass('settlement.contests') IS NOT NULL");
            if (tables && await conn.ExecuteScalarAsync<bool>(sql)) return;
            await Task.Delay(100, ct);
        }
        throw new TimeoutException("timed out waiting for " + what);
    }

    private static void Step(string text) => Console.WriteLine($"[demo] {text}");
}
