using System.CommandLine;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Bench;
using ContestPipeline.Local.Bench.Peer;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Campaign;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.EntryApi;
using ContestPipeline.Local.Fuzz;
using ContestPipeline.Local.Onboarding;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Local;

/// <summary>The development tool's command line: one short builder per command.</summary>
public static class DevCommands
{
    public static IEnumerable<Command> All() =>
        [Broker(), Topics(), Up(), Enter(), Onboard(), Code(), Demo(), Staging(), Bench(), Campaign(), Fuzz()];

    /// <summary>
    /// The six-digit code an authenticator app would show now for an <c>otpauth://</c> URI that <c>./run up</c>
    /// printed: for signing in to a local console without a phone.
    /// </summary>
    private static Command Code()
    {
        var uri = new Argument<string>("otpauth-uri") { Description = "the URI ./run up printed for the operator" };
        var code = new Command("code", "the current sign-in code for an otpauth:// URI (local consoles)") { uri };
        code.SetAction(parse =>
        {
            if (AuthenticatorCode.Now(parse.GetValue(uri)!, DateTimeOffset.UtcNow, out var result))
            {
                Console.WriteLine(result);
                return 0;
            }
            Console.Error.WriteLine($"code: {result}");
            return 2;
        });
        return code;
    }

    private static Command Broker()
    {
        var brokers = new Option<int>("--brokers")
            { Description = "number of mock brokers", DefaultValueFactory = _ => 3 };
        var partitions = new Option<int>("--partitions")
            { Description = "partitions per pipeline topic", DefaultValueFactory = _ => 4 };
        var stateFile = new Option<string>("--state-file")
        {
            Description = "where to write bootstrap servers and control URL",
            DefaultValueFactory = _ => BrokerState.FileDefault,
        };
        var empty = new Option<bool>("--empty")
            { Description = "create no topic (the topic list is provisioned by default)" };
        var broker = new Command("broker",
            "run the local Kafka-protocol broker (librdkafka mock cluster) until stopped")
            { brokers, partitions, stateFile, empty };
        broker.SetAction((parse, ct) => BrokerCommand.RunAsync(parse.GetValue(brokers), parse.GetValue(partitions),
            parse.GetValue(stateFile)!, ct,
            parse.GetValue(empty)));
        return broker;
    }

    /// <summary>The topic list on the local broker or, with --admin-api, on any real cluster
    /// (<see cref="TopicsCommand"/>).</summary>
    private static Command Topics()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "say what would be created; create nothing" };
        var adminApi = new Option<bool>("--admin-api")
        {
            Description =
                "create them through the Kafka admin API of the cluster the settings name (any real Kafka), " +
                "not the local broker's control endpoint",
        };
        var apply = new Command("apply",
            "create the topics of the topic list that are missing on the local broker (or, with --admin-api, the " +
            "cluster) the settings name") { dryRun, adminApi };
        apply.SetAction((parse, ct) => TopicsCommand.RunAsync(parse.GetValue(adminApi), parse.GetValue(dryRun), ct));
        return new Command("topics", "the topic list on the local broker or a development cluster") { apply };
    }

    private static Command Up()
    {
        var consolePort = new Option<int>("--console-port")
            { Description = "the console's port", DefaultValueFactory = _ => 5080 };
        var up = new Command("up",
            "start Postgres' pipeline database, the local broker, the Stripe-compatible server, " +
            "the webhook receiver, every worker and the console, " +
            "print where they are and a sign-in, and keep them up until stopped")
            { consolePort };
        up.SetAction((parse, ct) => UpCommand.RunAsync(parse.GetValue(consolePort), ct));
        return up;
    }

    /// <summary>The entry API, played by hand against the stack up keeps up: pay, then submit a signed entry.</summary>
    private static Command Enter()
    {
        var contest = new Option<string>("--contest")
            { Description = "the contest to enter (SCHEDULED)", Required = true };
        var player = new Option<string>("--player") { Description = "the player entering", Required = true };
        var lineup = new Option<string?>("--lineup")
            { Description = "athlete ids, comma-separated (a fantasy contest's lineup)" };
        var amount = new Option<long?>("--amount")
            { Description = "minor units to pay (default: the contest's entry fee)" };
        var currency = new Option<string?>("--currency")
            { Description = "the payment's currency (default: the contest's)" };
        var stackFile = new Option<string>("--stack-file")
        {
            Description = "where up describes the stack it keeps up", DefaultValueFactory = _ => LocalStack.FileDefault,
        };
        var wait = new Option<int>("--wait-s")
            { Description = "how long to wait for Ingestion's decision", DefaultValueFactory = _ => 60 };
        var enter = new Command("enter",
            "as the entry API: pay a contest's fee in the Stripe-compatible server of the stack up keeps up, " +
            "submit the entry signed as " +
            "entry-api, and print Ingestion's decision (exit 0 accepted, 1 rejected or undecided)")
            { contest, player, lineup, amount, currency, stackFile, wait };
        enter.SetAction((parse, ct) =>
        {
            var athletes = parse.GetValue(lineup)?.Split(',',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var request = new EntryRequest(parse.GetValue(contest)!, parse.GetValue(player)!, athletes,
                parse.GetValue(amount), parse.GetValue(currency));
            return EnterCommand.RunAsync(parse.GetValue(stackFile)!, request,
                TimeSpan.FromSeconds(parse.GetValue(wait)), ct);
        });
        return enter;
    }

    /// <summary>A winner's onboarding, played by hand against the stack up keeps up, as the platform's page does
    /// it.</summary>
    private static Command Onboard()
    {
        var player = new Option<string>("--player") { Description = "the winner who onboards", Required = true };
        var stackFile = new Option<string>("--stack-file")
        {
            Description = "where up describes the stack it keeps up", DefaultValueFactory = _ => LocalStack.FileDefault,
        };
        var onboard = new Command("onboard",
            "as the platform's onboarding page: " +
            "ask the read API of the stack up keeps up for a winner's onboarding link " +
            "and complete the Stripe-compatible server's onboarding there (exit 0 onboarded, 1 refused)")
            { player, stackFile };
        onboard.SetAction((parse, ct) =>
            OnboardCommand.RunAsync(parse.GetValue(stackFile)!, parse.GetValue(player)!, ct));
        return onboard;
    }

    private static Command Demo()
    {
        var canaries = new Option<int>("--canaries")
            { Description = "canaries to send through the workers", DefaultValueFactory = _ => 5 };
        var timeout = new Option<int>("--timeout-s")
            { Description = "give up after this many seconds", DefaultValueFactory = _ => 120 };
        var demo = new Command("demo",
            "the main job: start the local broker, the Stripe-compatible server, the webhook receiver " +
            "and every worker; send canaries through every hop, " +
            "then run a slate of contests from feed to PAID and check every invariant; exits 1 if one fails")
            { canaries, timeout };
        demo.SetAction((parse, ct) => DemoCommand.RunAsync(parse.GetValue(canaries),
            TimeSpan.FromSeconds(parse.GetValue(timeout)), ct));
        return demo;
    }

    private static Command Staging()
    {
        var staging = new Command("staging",
            "the production shape in the staging environment: the stack up from the deployment's definition " +
            "(topics and migrate jobs, every service " +
            "with its compose identity, health checks answered), one contest from its definition to PAID, " +
            "the console read by an operator, the ledger " +
            "checked with cpctl, every process stopped with SIGTERM; exits 1 if anything fails");
        staging.SetAction(async (parse, ct) =>
        {
            var admin = await ToolStartup.PostgresAsync("staging");
            if (admin is null) return PipelineWorker.ExitStartupFailed;
            var runDir = Path.Combine(Processes.RepoPaths.RunDirectory, "staging-"
                + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            var ok = await new Staging.StagingRun(admin, runDir, Console.WriteLine).RunAsync(ct);
            Console.WriteLine(ok ? "staging OK" : $"staging FAILED (logs in {runDir})");
            return ok ? 0 : 1;
        });
        return staging;
    }

    private static Command Bench() =>
        new("bench", "benchmarks that print their figures (docs/benchmarks.md)")
        {
            BenchMessaging(), BenchScoring(), BenchSettlement(), BenchEntries(), BenchPayouts(), BenchPeerCode(),
        };

    private static Command BenchMessaging()
    {
        var messages = new Option<int>("--messages")
        {
            Description = "messages through the pipeline and the Kafka baseline", DefaultValueFactory = _ => 200_000
        };
        var baselineRows = new Option<int>("--baseline-rows")
            { Description = "single-row transactions for the Postgres baseline", DefaultValueFactory = _ => 20_000 };
        var txSize = new Option<int>("--outbox-transaction-size")
            { Description = "messages written to the outbox per transaction", DefaultValueFactory = _ => 1_000 };
        var unsigned = new Option<bool>("--unsigned")
        {
            Description = "run the pipeline without message authentication, to measure what signing and verifying cost"
        };
        var warmUp = new Option<int>("--warm-up")
        {
            Description = "messages each of the pipeline and the Kafka baseline runs first, "
                + "unmeasured (a tenth of it as the Postgres baseline's rows), "
                + "so that a run measures compiled code, not the JIT; 0 measures from the first message",
            DefaultValueFactory = _ => 10_000,
        };
        var peer = new Option<string?>("--peer")
        {
            Description = "also run the same flow through another messaging library in this process and print "
                + "both rates and their ratio: " + string.Join(", ", MessagingPeers.Names)
                + " (built by tools/BenchPeers)",
        };
        peer.AcceptOnlyFromAmong([.. MessagingPeers.Names]);
        var pairs = new Option<int>("--pairs")
        {
            Description = "run the pipeline (then the peer, with --peer) this many times, alternating, and print "
                + "each pair",
            DefaultValueFactory = _ => 1,
        };
        var busy = BusyCoreOption();
        var command = new Command("messaging",
            "messages/s through outbox → Kafka → inbox (every message signed and verified) "
                + "beside raw Kafka and raw Postgres baselines")
            { messages, baselineRows, txSize, unsigned, warmUp, peer, pairs, busy };
        command.SetAction((parse, ct) => BusyCore.RunAsync("messaging", parse.GetValue(busy),
            c => BenchCommand.RunAsync(parse.GetValue(messages), parse.GetValue(baselineRows), parse.GetValue(txSize),
                !parse.GetValue(unsigned), parse.GetValue(warmUp), parse.GetValue(peer), parse.GetValue(pairs), c),
            ct));
        return command;
    }

    private static Command BenchPeerCode()
    {
        var name = new Argument<string>("peer")
        {
            Description = "the peer: " + string.Join(", ", MessagingPeers.Names),
        };
        name.AcceptOnlyFromAmong([.. MessagingPeers.Names]);
        var command = new Command("peer-code",
            "writes the code a messaging peer generates at start into its project (tools/BenchPeers), for the peers "
            + "that load it pre-generated: run after changing the peer's handler or settings, then build")
            { name };
        command.SetAction(parse =>
        {
            var peer = MessagingPeers.Load(parse.GetValue(name)!);
            if (peer.GeneratedCodeDirectory is null)
            {
                Console.WriteLine($"{peer.Name} generates no code ahead of time");
                return 0;
            }
            var directory = Path.Combine(Processes.RepoPaths.Root, "tools", "BenchPeers", peer.GeneratedCodeDirectory);
            foreach (var file in peer.WriteGeneratedCode(directory))
                Console.WriteLine($"wrote {Path.GetRelativePath(Processes.RepoPaths.Root, file)}");
            return 0;
        });
        return command;
    }

    private static Command BenchScoring()
    {
        var entries = new Option<int>("--entries")
            { Description = "entries in the contest", DefaultValueFactory = _ => 100_000 };
        var games = new Option<int>("--games") { Description = "games in the slate", DefaultValueFactory = _ => 10 };
        var athletes = new Option<int>("--athletes-per-game")
            { Description = "athletes per game", DefaultValueFactory = _ => 40 };
        var statEvents = new Option<int>("--stat-events")
            { Description = "stat events to publish", DefaultValueFactory = _ => 60_000 };
        var rate = new Option<int>("--rate")
            { Description = "stat events offered per second", DefaultValueFactory = _ => 6_000 };
        var seed = Seed();
        var contests = new Option<int>("--contests")
        {
            Description = "contests the entries are split across (all over the same slate)",
            DefaultValueFactory = _ => 1
        };
        var instances = new Option<int>("--instances")
            { Description = "Scoring processes sharing the contests", DefaultValueFactory = _ => 1 };
        var busy = BusyCoreOption();
        var command = new Command("scoring",
            "stat events/s through ingestion → scoring → standings for a 100,000-entry contest "
                + "(or --entries across --contests), with latency")
            { entries, games, athletes, statEvents, rate, seed, contests, instances, busy };
        command.SetAction((parse, ct) => BusyCore.RunAsync("scoring", parse.GetValue(busy),
            c => ScoringBenchCommand.RunAsync(parse.GetValue(entries), parse.GetValue(games), parse.GetValue(athletes),
                parse.GetValue(statEvents), parse.GetValue(rate), parse.GetValue(seed), c,
                parse.GetValue(contests), parse.GetValue(instances)), ct));
        return command;
    }

    private static Command BenchSettlement()
    {
        var entries = new Option<int>("--entries")
            { Description = "entries in the contest", DefaultValueFactory = _ => 1_000_000 };
        var paid = new Option<int>("--paid")
            { Description = "paid places in its ranked table", DefaultValueFactory = _ => 200_000 };
        var seed = Seed();
        var busy = BusyCoreOption();
        var command = new Command("settlement",
            "one COMPLETE contest settled by the Settlement worker: COMPLETE → every order on payouts.due, "
                + "the calculator alone, peak memory")
            { entries, paid, seed, busy };
        command.SetAction((parse, ct) => BusyCore.RunAsync("settlement", parse.GetValue(busy),
            c => SettlementBenchCommand.RunAsync(parse.GetValue(entries), parse.GetValue(paid),
                parse.GetValue(seed), c), ct));
        return command;
    }

    private static Command BenchEntries()
    {
        var submissions = new Option<int>("--submissions")
            { Description = "paid submissions for one contest", DefaultValueFactory = _ => 100_000 };
        var window = new Option<int>("--window-seconds")
            { Description = "the last seconds before lock over which they are offered", DefaultValueFactory = _ => 60 };
        var stripeRps = StripeRps();
        var everyWorker = new Option<bool>("--every-worker")
        {
            Description = "settlement, payout and operations run too, reading the rush's messages on the same cores",
        };
        var warmUp = new Option<int>("--warm-up")
        {
            Description =
                "paid submissions for another contest, decided before the rush and not measured (0: workers cold)",
            DefaultValueFactory = _ => 5_000,
        };
        var busy = BusyCoreOption();
        var command = new Command("entries",
            "a lock-time rush: paid submissions in the last minute before lock "
                + "through ingestion, Stripe's events and the referee")
            { submissions, window, stripeRps, everyWorker, warmUp, busy };
        command.SetAction((parse, ct) => BusyCore.RunAsync("entries", parse.GetValue(busy),
            c => EntriesBenchCommand.RunAsync(parse.GetValue(submissions), parse.GetValue(window),
                parse.GetValue(stripeRps),
                parse.GetValue(everyWorker), parse.GetValue(warmUp), c), ct));
        return command;
    }

    private static Command BenchPayouts()
    {
        var transfers = new Option<int>("--transfers")
            { Description = "prize transfers to make", DefaultValueFactory = _ => 10_000 };
        var stripeRps = StripeRps();
        var instances = new Option<int>("--instances")
        {
            Description = "Payout processes sharing the budget (pooled, unless --fixed-shares)",
            DefaultValueFactory = _ => 1,
        };
        var fixedShares = new Option<bool>("--fixed-shares")
        {
            Description =
                "each instance keeps a fixed share of the limit instead of pooling it (the set-up before the pool)",
        };
        var busy = BusyCoreOption();
        var command = new Command("payouts",
            "prize transfers through the payout worker at the Stripe-compatible server's rate limit: "
                + "share of the limit, 429s, each transfer once")
            { transfers, stripeRps, instances, fixedShares, busy };
        command.SetAction((parse, ct) => BusyCore.RunAsync("payouts", parse.GetValue(busy),
            c => PayoutBenchCommand.RunAsync(parse.GetValue(transfers), parse.GetValue(stripeRps),
                Math.Max(1, parse.GetValue(instances)),
                !parse.GetValue(fixedShares), c), ct));
        return command;
    }

    private static Option<bool> BusyCoreOption() => new(BusyCore.Option)
    {
        Description = "run it twice: as the machine is, then with a busy loop pinned to one core; "
            + "print both passes' figures and fail if a check fails in either",
    };

    private static Option<int> Seed() =>
        new("--seed") { Description = "seed of the generated slate", DefaultValueFactory = _ => 1 };

    private static Option<int> StripeRps() =>
        new("--stripe-rps")
            { Description = "the request limit the Stripe-compatible server enforces", DefaultValueFactory = _ => 100 };

    private static Command Campaign()
    {
        var contests = new Option<int>("--contests")
            { Description = "contests run at once", DefaultValueFactory = _ => 100 };
        var entries = new Option<int>("--entries")
            { Description = "entries per contest", DefaultValueFactory = _ => 4 };
        var players = new Option<int>("--players")
            { Description = "players (each signed up for payouts)", DefaultValueFactory = _ => 150 };
        var seed = new Option<int?>("--seed")
            { Description = "seed of the slate and the fault schedule (printed; random when not given)" };
        var minutes = new Option<int>("--minutes")
            { Description = "give up after this many minutes of faults", DefaultValueFactory = _ => 10 };
        var noPostgres = new Option<bool>("--no-postgres-restart")
            { Description = "do not restart PostgreSQL during the run" };
        var instances = new Option<int>("--instances")
            { Description = "processes of each worker behind the same consumer groups", DefaultValueFactory = _ => 1 };
        var noRestore = new Option<bool>("--no-restore")
            { Description = "do not restore Payout's database from an earlier copy during the run" };
        var campaign = new Command("campaign",
            "run many contests through every worker while killing workers, injecting broker and Stripe faults and "
                + "restoring Payout's database from an earlier copy; check every invariant")
            { contests, entries, players, seed, minutes, noPostgres, instances, noRestore };
        campaign.SetAction((parse, ct) => CampaignCommand.RunAsync(parse.GetValue(contests), parse.GetValue(entries),
            parse.GetValue(players),
            parse.GetValue(seed), parse.GetValue(minutes), !parse.GetValue(noPostgres), parse.GetValue(instances),
            !parse.GetValue(noRestore), ct));
        return campaign;
    }

    private static Command Fuzz()
    {
        var cases = new Option<int>("--cases")
            { Description = "how many seeded cases to run", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed")
        {
            Description = "the seed: the same seed and case number are always the same input",
            DefaultValueFactory = _ => 1
        };
        var from = new Option<int>("--from")
        {
            Description = "the first case number (replay one failure: --from I --cases 1)", DefaultValueFactory = _ => 0
        };
        var feed = new Command("feed",
            "damaged provider.feed traffic through the feed's reading, sequencing and validation: only valid events " +
            "accepted, clean rejections, " +
            "the same decisions every time")
            { cases, seed, from };
        feed.SetAction(parse => FuzzCommand.Feed(parse.GetValue(cases), parse.GetValue(seed), parse.GetValue(from)));
        var large = new Option<bool>("--large")
        {
            Description = "tables of 10,000 to 200,000 places and up to 250,000 entries; "
                + "then prints how long the largest contests take to validate and settle",
        };
        var prizes = new Command("prizes",
            "random prize tables, pools, fees and tied standings through the prize calculator: "
                + "exact pools, fair ties, half-up fees, determinism")
            { cases, seed, from, large };
        prizes.SetAction(parse => FuzzCommand.Prizes(parse.GetValue(cases), parse.GetValue(seed), parse.GetValue(from),
            parse.GetValue(large)));
        return new Command("fuzz", "run the property checks of the tests on many more seeded cases; "
            + "prints cases run, failures and the seed") { feed, prizes };
    }
}
