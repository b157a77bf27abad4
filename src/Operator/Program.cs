using System.CommandLine;
using ContestPipeline.Local.Bench;
using ContestPipeline.Operator.Commands;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Demo;
using ContestPipeline.Plumbing;

var root = new RootCommand("""
    cpctl: the ContestPipeline operator tool.
    Operations on a running pipeline: apply migrations, list and re-drive dead letters, replay consumer
    groups, list payouts and release or reject held ones, run the Stripe webhook receiver.
    Local tooling: the local Kafka-protocol broker, the demo (the main job, end to end), the fault
    campaign, fuzzers and benchmarks.
    Every command reads CONTESTPIPELINE_PG and CONTESTPIPELINE_KAFKA (default: the local Postgres and
    the local broker's state file).
    """);

var brokers = new Option<int>("--brokers") { Description = "number of mock brokers", DefaultValueFactory = _ => 3 };
var partitions = new Option<int>("--partitions") { Description = "partitions per pipeline topic", DefaultValueFactory = _ => 4 };
var stateFile = new Option<string>("--state-file") { Description = "where to write bootstrap servers and control URL", DefaultValueFactory = _ => PipelineSettings.BrokerFileDefault };
var emptyBroker = new Option<bool>("--empty") { Description = "create no topic (the topic list is provisioned by default)" };
var broker = new Command("broker", "run the local Kafka-protocol broker (librdkafka mock cluster) until stopped") { brokers, partitions, stateFile, emptyBroker };
broker.SetAction((parse, ct) => BrokerCommand.RunAsync(parse.GetValue(brokers), parse.GetValue(partitions), parse.GetValue(stateFile)!, ct, parse.GetValue(emptyBroker)));
root.Subcommands.Add(broker);

var listenUrl = new Option<string?>("--url") { Description = "where to listen (default CONTESTPIPELINE_WEBHOOKS_URL, else http://127.0.0.1:0)" };
var webhooks = new Command("webhooks", "receive Stripe webhooks on /stripe/webhooks and forward them to stripe.events (secrets: CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS, comma-separated)") { listenUrl };
webhooks.SetAction((parse, ct) => WebhooksCommand.RunAsync(parse.GetValue(listenUrl), ct));
root.Subcommands.Add(webhooks);

var topicsVia = new Option<string>("--via") { Description = "auto (the local broker when CONTESTPIPELINE_KAFKA names it, else Kafka's admin API), admin or local", DefaultValueFactory = _ => TopicsCommand.ViaAuto };
var topicsDryRun = new Option<bool>("--dry-run") { Description = "say what would be created; create nothing" };
var topicsApply = new Command("apply", "create the topics of the topic list that are missing and report those that differ from it (partitions, replication, configs); idempotent") { topicsVia, topicsDryRun };
topicsApply.SetAction((parse, ct) => TopicsCommand.ApplyAsync(parse.GetValue(topicsVia)!, parse.GetValue(topicsDryRun), Console.Out, Console.Error, ct));
var topicsList = new Command("list", "print the topic list as production provisions it");
topicsList.SetAction(_ => TopicsCommand.List(Console.Out));
root.Subcommands.Add(new Command("topics", "the pipeline's topics, provisioned from one declarative list (src/Contracts/TopicCatalog.cs)") { topicsApply, topicsList });

var acls = new Command("acls", "print the Kafka ACLs each service's principal needs, generated from the workers' consumers and the producers table (docs/kafka-acls.md)");
acls.SetAction(_ => AclsCommand.Print(Console.Out));
root.Subcommands.Add(acls);

var contractsOut = new Option<string?>("--out") { Description = "the folder to write (default docs/contracts)" };
var contractsCheckOnly = new Option<bool>("--check") { Description = "write nothing; exit 1 if the files in the folder differ from what the code generates" };
var contractsExport = new Command("export", "generate docs/contracts: asyncapi.yaml (AsyncAPI 3.0) and one JSON Schema per message type and version, from src/Contracts and the workers' consumers") { contractsOut, contractsCheckOnly };
contractsExport.SetAction(parse => ContractsCommand.Export(parse.GetValue(contractsOut), parse.GetValue(contractsCheckOnly), Console.Out, Console.Error));
var checkTopic = new Option<string>("--topic") { Description = "the topic the messages are for (e.g. provider.feed)", Required = true };
var checkType = new Option<string?>("--type") { Description = "the type of lines that are bare bodies (not needed on a topic with one type, or for {\"type\":...,\"body\":...} and kcat -J lines)" };
var checkFile = new Argument<string>("file") { Description = "JSON lines: a body, {\"type\": ..., \"body\": ..., \"key\": ...}, or a line of kcat -J" };
var contractsCheck = new Command("check", "check a file of messages against the topic's schemas and the pipeline's own reading and validation (provider.feed: Ingestion's feed rules); every reason per line; exits 1 if any line is bad. No database, no broker")
    { checkTopic, checkType, checkFile };
contractsCheck.SetAction(parse => ContractsCommand.Check(parse.GetValue(checkTopic)!, parse.GetValue(checkType), parse.GetValue(checkFile)!, Console.Out, Console.Error));
root.Subcommands.Add(new Command("contracts", "the topics' machine-readable contracts (docs/contracts), and a check of a producer's messages against them") { contractsExport, contractsCheck });

var canaries = new Option<int>("--canaries") { Description = "canaries to send through the workers", DefaultValueFactory = _ => 5 };
var timeoutS = new Option<int>("--timeout-s") { Description = "give up after this many seconds", DefaultValueFactory = _ => 120 };
var demo = new Command("demo", "the main job: start the local broker, the Stripe-compatible server, the webhook receiver and every worker; send canaries through every hop, then run a slate of contests from feed to PAID (a tie, a stat correction, a held prize released by an operator, a late onboarding, a cancelled contest) and check every invariant; exits 1 if one fails") { canaries, timeoutS };
demo.SetAction((parse, ct) => DemoCommand.RunAsync(parse.GetValue(canaries), TimeSpan.FromSeconds(parse.GetValue(timeoutS)), ct));
root.Subcommands.Add(demo);

var worker = new Option<string>("--worker") { Description = "worker whose migrations to apply, or all", DefaultValueFactory = _ => "all" };
var schema = new Option<string?>("--schema") { Description = "apply into this schema instead of the worker's own (single worker only)" };
var migrate = new Command("migrate", "apply workers' database migrations (idempotent; safe to run concurrently)") { worker, schema };
migrate.SetAction((parse, ct) => MigrateCommand.RunAsync(parse.GetValue(worker)!, parse.GetValue(schema), ct));
root.Subcommands.Add(migrate);

var messages = new Option<int>("--messages") { Description = "messages through the pipeline and the Kafka baseline", DefaultValueFactory = _ => 200_000 };
var baselineRows = new Option<int>("--baseline-rows") { Description = "single-row transactions for the Postgres baseline", DefaultValueFactory = _ => 20_000 };
var txSize = new Option<int>("--outbox-transaction-size") { Description = "messages written to the outbox per transaction", DefaultValueFactory = _ => 1_000 };
var unsigned = new Option<bool>("--unsigned") { Description = "run the pipeline without message authentication, to measure what signing and verifying cost" };
var benchMessaging = new Command("messaging", "messages/s through outbox → Kafka → inbox (every message signed and verified) beside raw Kafka and raw Postgres baselines") { messages, baselineRows, txSize, unsigned };
benchMessaging.SetAction((parse, ct) => BenchCommand.RunAsync(parse.GetValue(messages), parse.GetValue(baselineRows), parse.GetValue(txSize), !parse.GetValue(unsigned), ct));
var entries = new Option<int>("--entries") { Description = "entries in the contest", DefaultValueFactory = _ => 100_000 };
var games = new Option<int>("--games") { Description = "games in the slate", DefaultValueFactory = _ => 10 };
var athletes = new Option<int>("--athletes-per-game") { Description = "athletes per game", DefaultValueFactory = _ => 40 };
var statEvents = new Option<int>("--stat-events") { Description = "stat events to publish", DefaultValueFactory = _ => 60_000 };
var rate = new Option<int>("--rate") { Description = "stat events offered per second", DefaultValueFactory = _ => 6_000 };
var seed = new Option<int>("--seed") { Description = "seed of the generated slate", DefaultValueFactory = _ => 1 };
var scoringContests = new Option<int>("--contests") { Description = "contests the entries are split across (all over the same slate)", DefaultValueFactory = _ => 1 };
var benchScoring = new Command("scoring", "stat events/s through ingestion → scoring → standings for a 100,000-entry contest (or --entries across --contests), with latency") { entries, games, athletes, statEvents, rate, seed, scoringContests };
benchScoring.SetAction((parse, ct) => ScoringBenchCommand.RunAsync(parse.GetValue(entries), parse.GetValue(games), parse.GetValue(athletes), parse.GetValue(statEvents), parse.GetValue(rate), parse.GetValue(seed), ct, parse.GetValue(scoringContests)));
var settleEntries = new Option<int>("--entries") { Description = "entries in the contest", DefaultValueFactory = _ => 1_000_000 };
var settlePaid = new Option<int>("--paid") { Description = "paid places in its ranked table", DefaultValueFactory = _ => 200_000 };
var benchSettlement = new Command("settlement", "one COMPLETE contest settled by the Settlement worker: COMPLETE → every order on payouts.due, the calculator alone, peak memory") { settleEntries, settlePaid, seed };
benchSettlement.SetAction((parse, ct) => SettlementBenchCommand.RunAsync(parse.GetValue(settleEntries), parse.GetValue(settlePaid), parse.GetValue(seed), ct));
var submissions = new Option<int>("--submissions") { Description = "paid submissions for one contest", DefaultValueFactory = _ => 100_000 };
var window = new Option<int>("--window-seconds") { Description = "the last seconds before lock over which they are offered", DefaultValueFactory = _ => 60 };
var stripeRps = new Option<int>("--stripe-rps") { Description = "the request limit the Stripe-compatible server enforces", DefaultValueFactory = _ => 100 };
var benchIntake = new Command("intake", "a lock-time rush: paid submissions in the last minute before lock through ingestion, Stripe's events and the referee") { submissions, window, stripeRps };
benchIntake.SetAction((parse, ct) => IntakeBenchCommand.RunAsync(parse.GetValue(submissions), parse.GetValue(window), parse.GetValue(stripeRps), ct));
var transfersCount = new Option<int>("--transfers") { Description = "prize transfers to make", DefaultValueFactory = _ => 10_000 };
var benchPayouts = new Command("payouts", "prize transfers through the payout worker at the Stripe-compatible server's rate limit: share of the limit, 429s, each transfer once") { transfersCount, stripeRps };
benchPayouts.SetAction((parse, ct) => PayoutBenchCommand.RunAsync(parse.GetValue(transfersCount), parse.GetValue(stripeRps), ct));
root.Subcommands.Add(new Command("bench", "benchmarks that print their figures") { benchMessaging, benchScoring, benchSettlement, benchIntake, benchPayouts });

var payoutState = new Option<string?>("--state") { Description = "only payouts in this state (e.g. held, held:review, failed, awaiting_account)" };
var payoutContest = new Option<string?>("--contest") { Description = "only this contest's payouts" };
var payoutsList = new Command("list", "list payouts with their state and why") { payoutState, payoutContest };
payoutsList.SetAction((parse, ct) => PayoutsCommand.ListAsync(parse.GetValue(payoutState), parse.GetValue(payoutContest), ct));
var payouts = new Command("payouts", "inspect payouts; release or reject held ones (never change an amount or recipient)") { payoutsList };
foreach (var (name, help) in new[] { ("release", "let a held or failed payout go (it skips the review and limit checks, never the account or balance)"),
                                     ("reject", "never send a held or failed payout; the prize is withheld in the ledger") })
{
    var payoutId = new Argument<string>("payout-id") { Description = "the payout (prize_...)" };
    var by = new Option<string>("--operator") { Description = "who decides", Required = true };
    var why = new Option<string>("--reason") { Description = "why", Required = true };
    var decide = new Command(name, help) { payoutId, by, why };
    decide.SetAction((parse, ct) => PayoutsCommand.DecideAsync(parse.GetValue(payoutId)!, name, parse.GetValue(by)!, parse.GetValue(why)!, ct));
    payouts.Subcommands.Add(decide);
}
root.Subcommands.Add(payouts);


// ---- operations: contests, alerts, audit, the emergency stop, console operators ----------------------
var byOperator = new Option<string>("--operator") { Description = "who acts (recorded in the audit trail)", Required = true };
var pageOpt = new Option<int>("--page") { Description = "page of 50 (from 0)", DefaultValueFactory = _ => 0 };
var defineFile = new Argument<string>("file") { Description = "a contest definition as JSON (docs/topics/contests.md)" };
var contestsDefine = new Command("define", "validate a definition (every reason listed) and publish it on contests") { defineFile, byOperator };
contestsDefine.SetAction((parse, ct) => OperationsCommands.DefineAsync(parse.GetValue(defineFile)!, parse.GetValue(byOperator)!, ct));
var cancelId = new Argument<string>("contest-id");
var cancelReason = new Option<string>("--reason") { Description = "why (required)", Required = true };
var contestsCancel = new Command("cancel", "cancel a SCHEDULED or LOCKED contest; every entry is refunded") { cancelId, cancelReason, byOperator };
contestsCancel.SetAction((parse, ct) => OperationsCommands.CancelAsync(parse.GetValue(cancelId)!, parse.GetValue(cancelReason)!, parse.GetValue(byOperator)!, ct));
var listState = new Option<string?>("--state") { Description = "only contests in this state (SCHEDULED, LIVE, PAID ...)" };
var listSearch = new Option<string?>("--search") { Description = "id or title contains" };
var contestsList = new Command("list", "contests from the operations read model, newest lock first") { listState, listSearch, pageOpt };
contestsList.SetAction((parse, ct) => OperationsCommands.ListContestsAsync(parse.GetValue(listState), parse.GetValue(listSearch), parse.GetValue(pageOpt), ct));
var showId = new Argument<string>("contest-id");
var contestsShow = new Command("show", "a contest's hashes and full timeline") { showId };
contestsShow.SetAction((parse, ct) => OperationsCommands.ShowContestAsync(parse.GetValue(showId)!, ct));
root.Subcommands.Add(new Command("contests", "define, cancel, list and show contests") { contestsDefine, contestsCancel, contestsList, contestsShow });

var alertState = new Option<string?>("--state") { Description = "open, acknowledged or resolved" };
var alertSeverity = new Option<string?>("--severity") { Description = "info, warning or critical" };
var alertCode = new Option<string?>("--code") { Description = "only this alert code" };
var alertsList = new Command("list", "alerts from the operations read model, newest first") { alertState, alertSeverity, alertCode, pageOpt };
alertsList.SetAction((parse, ct) => OperationsCommands.ListAlertsAsync(parse.GetValue(alertState), parse.GetValue(alertSeverity), parse.GetValue(alertCode), parse.GetValue(pageOpt), ct));
var alerts = new Command("alerts", "list, acknowledge and resolve alerts") { alertsList };
foreach (var (name, action) in new[] { ("ack", "ack"), ("resolve", "resolve") })
{
    var alertId = new Argument<string>("alert-id");
    var note = new Option<string>("--note") { Description = "what you are doing about it (required)", Required = true };
    var cmd = new Command(name, name == "ack" ? "acknowledge an alert with a note" : "resolve an alert with a note") { alertId, note, byOperator };
    cmd.SetAction((parse, ct) => OperationsCommands.DecideAlertAsync(parse.GetValue(alertId)!, action, parse.GetValue(note)!, parse.GetValue(byOperator)!, ct));
    alerts.Subcommands.Add(cmd);
}
root.Subcommands.Add(alerts);

var exportContest = new Argument<string>("contest-id");
var exportOut = new Option<string?>("--out") { Description = "file to write (default audit-<contest>.jsonl)" };
var auditExport = new Command("export", "every money event of a contest in order as hash-chained JSON lines") { exportContest, exportOut };
auditExport.SetAction((parse, ct) => OperationsCommands.ExportAsync(parse.GetValue(exportContest)!, parse.GetValue(exportOut), ct));
var verifyFile = new Argument<string>("file");
var auditVerify = new Command("verify", "check an export's hash chain and recompute its settlement from its inputs") { verifyFile };
auditVerify.SetAction((parse, ct) => AuditVerifyCommand.RunAsync(parse.GetValue(verifyFile)!, ct));
root.Subcommands.Add(new Command("audit", "export a contest's money events and verify an export") { auditExport, auditVerify });

foreach (var (name, help) in new[] { ("halt", "emergency stop: Payout starts no new transfer or refund until resumed"), ("resume", "resume automated transfers and refunds") })
{
    var why = new Option<string>("--reason") { Description = "why (required)", Required = true };
    var cmd = new Command(name, help) { why, byOperator };
    cmd.SetAction((parse, ct) => OperationsCommands.DispatchAsync(name, parse.GetValue(why)!, parse.GetValue(byOperator)!, ct));
    payouts.Subcommands.Add(cmd);
}

var opFile = new Option<string>("--file") { Description = "the operators file (JSON) to add to; created if missing", Required = true };
var opName = new Option<string>("--name") { Description = "the operator's sign-in name", Required = true };
var opRole = new Option<string>("--role") { Description = "viewer, approver or admin", Required = true };
var opPassword = new Option<string?>("--password") { Description = "the password (a random one is made and printed if not given)" };
var operatorAdd = new Command("add", "add (or replace) an operator with a salted password hash") { opFile, opName, opRole, opPassword };
operatorAdd.SetAction(parse => ConsoleCommands.AddOperator(parse.GetValue(opFile)!, parse.GetValue(opName)!, parse.GetValue(opRole)!, parse.GetValue(opPassword)));
root.Subcommands.Add(new Command("console", "the operations console's operators") { new Command("operator", "operators who may sign in") { operatorAdd } });

var upConsole = new Option<int>("--console-port") { Description = "the console's port", DefaultValueFactory = _ => 5080 };
var up = new Command("up", "start Postgres' pipeline database, the local broker, the Stripe-compatible server, the webhook receiver, every worker and the console, print where they are and a sign-in, and keep them up until stopped") { upConsole };
up.SetAction((parse, ct) => ContestPipeline.Local.Demo.UpCommand.RunAsync(parse.GetValue(upConsole), ct));
root.Subcommands.Add(up);

var campaignContests = new Option<int>("--contests") { Description = "contests run at once", DefaultValueFactory = _ => 100 };
var campaignEntries = new Option<int>("--entries") { Description = "entries per contest", DefaultValueFactory = _ => 4 };
var campaignPlayers = new Option<int>("--players") { Description = "players (each signed up for payouts)", DefaultValueFactory = _ => 150 };
var campaignSeed = new Option<int?>("--seed") { Description = "seed of the slate and the fault schedule (printed; random when not given)" };
var campaignMinutes = new Option<int>("--minutes") { Description = "give up after this many minutes of faults", DefaultValueFactory = _ => 10 };
var campaignNoPg = new Option<bool>("--no-postgres-restart") { Description = "do not restart PostgreSQL during the run" };
var campaignInstances = new Option<int>("--instances") { Description = "processes of each worker behind the same consumer groups", DefaultValueFactory = _ => 1 };
var campaign = new Command("campaign", "run many contests through every worker while killing workers and injecting broker and Stripe faults; check every invariant")
    { campaignContests, campaignEntries, campaignPlayers, campaignSeed, campaignMinutes, campaignNoPg, campaignInstances };
campaign.SetAction((parse, ct) => CampaignCommand.RunAsync(parse.GetValue(campaignContests), parse.GetValue(campaignEntries), parse.GetValue(campaignPlayers),
    parse.GetValue(campaignSeed), parse.GetValue(campaignMinutes), !parse.GetValue(campaignNoPg), parse.GetValue(campaignInstances), ct));
root.Subcommands.Add(campaign);

var dlqTopic = new Option<string?>("--topic") { Description = "only this topic's dead letters (provider.feed or provider.feed.dlq)" };
var dlqList = new Command("list", "print every dead letter in <topic>.dlq (all of them by default) with its origin, message id, type, attempts and reason") { dlqTopic };
dlqList.SetAction((parse, ct) => DlqCommand.ListAsync(parse.GetValue(dlqTopic), ct));
var redriveTopic = new Argument<string>("topic") { Description = "the topic whose dead letters to re-drive (provider.feed or provider.feed.dlq)" };
var redrivePartition = new Option<int?>("--partition") { Description = "partition of the dead letter in <topic>.dlq, as dlq list prints it" };
var redriveOffset = new Option<long?>("--offset") { Description = "offset of the dead letter in <topic>.dlq, as dlq list prints it" };
var redriveAll = new Option<bool>("--all") { Description = "every dead letter in <topic>.dlq (each message once)" };
var redriveDryRun = new Option<bool>("--dry-run") { Description = "say what would be re-driven; publish nothing" };
var redrive = new Command("redrive", "publish dead letters again to their original topic with their original key, body and envelope headers; the consumer's inbox applies each message at most once")
    { redriveTopic, redrivePartition, redriveOffset, redriveAll, redriveDryRun };
redrive.SetAction((parse, ct) => DlqCommand.RedriveAsync(parse.GetValue(redriveTopic)!, parse.GetValue(redrivePartition), parse.GetValue(redriveOffset),
    parse.GetValue(redriveAll), parse.GetValue(redriveDryRun), ct));
root.Subcommands.Add(new Command("dlq", "inspect dead letters and re-drive them once their cause is fixed") { dlqList, redrive });

var replayGroup = new Option<string?>("--group") { Description = "the consumer group to rewind (a worker's, e.g. scoring.games, or any with --topic)" };
var replayAllWorkers = new Option<bool>("--all-workers") { Description = "every consumer group of every worker" };
var replayTopic = new Option<string?>("--topic") { Description = "only this topic of the group(s)" };
var toBeginning = new Option<bool>("--to-beginning") { Description = "from the oldest message the broker still holds" };
var toOffset = new Option<long?>("--to-offset") { Description = "from this offset in every partition" };
var toTime = new Option<string?>("--to-time") { Description = "from the first message at or after this time (ISO 8601, e.g. 2026-11-22T18:00:00Z)" };
var replayForce = new Option<bool>("--force") { Description = "rewind even though other members of a group are live (see README for what that can and cannot do)" };
var replayDryRun = new Option<bool>("--dry-run") { Description = "show what would be replayed; commit nothing" };
var replay = new Command("replay", "move consumer groups back so their workers read messages again; inboxes make it a no-op for what was applied. Refuses while a group has live members")
    { replayGroup, replayAllWorkers, replayTopic, toBeginning, toOffset, toTime, replayForce, replayDryRun };
replay.SetAction((parse, ct) => ReplayCommand.RunAsync(parse.GetValue(replayGroup), parse.GetValue(replayTopic), parse.GetValue(replayAllWorkers),
    parse.GetValue(toBeginning), parse.GetValue(toOffset), parse.GetValue(toTime), parse.GetValue(replayForce), parse.GetValue(replayDryRun), ct));
root.Subcommands.Add(replay);
var fuzzCases = new Option<int>("--cases") { Description = "how many seeded cases to run", DefaultValueFactory = _ => 10_000 };
var fuzzSeed = new Option<int>("--seed") { Description = "the seed: the same seed and case number are always the same input", DefaultValueFactory = _ => 1 };
var fuzzFrom = new Option<int>("--from") { Description = "the first case number (replay one failure: --from I --cases 1)", DefaultValueFactory = _ => 0 };
var fuzzFeed = new Command("feed", "damaged provider.feed traffic through the feed's reading, sequencing and validation: only valid events accepted, clean rejections, the same decisions every time") { fuzzCases, fuzzSeed, fuzzFrom };
fuzzFeed.SetAction(parse => FuzzCommand.Feed(parse.GetValue(fuzzCases), parse.GetValue(fuzzSeed), parse.GetValue(fuzzFrom)));
var fuzzLarge = new Option<bool>("--large") { Description = "tables of 10,000 to 200,000 places and up to 250,000 entries; then prints how long the largest contests take to validate and settle" };
var fuzzPrizes = new Command("prizes", "random prize tables, pools, fees and tied standings through the prize calculator: exact pools, fair ties, half-up fees, determinism") { fuzzCases, fuzzSeed, fuzzFrom, fuzzLarge };
fuzzPrizes.SetAction(parse => FuzzCommand.Prizes(parse.GetValue(fuzzCases), parse.GetValue(fuzzSeed), parse.GetValue(fuzzFrom), parse.GetValue(fuzzLarge)));
root.Subcommands.Add(new Command("fuzz", "run the property checks of the tests on many more seeded cases; prints cases run, failures and the seed") { fuzzFeed, fuzzPrizes });

return await root.Parse(args).InvokeAsync();
