using System.CommandLine;
using ContestPipeline.Cpctl.Alerts;
using ContestPipeline.Cpctl.Contests;
using ContestPipeline.Cpctl.ContractDocs;
using ContestPipeline.Cpctl.Credentials;
using ContestPipeline.Cpctl.Finance;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Cpctl.Provisioning;
using ContestPipeline.Cpctl.Restores;

var root = new RootCommand("""
    cpctl: the ContestPipeline operator's tool, shipped in the production image.
    Apply migrations and provision topics; print the compose file, the Kafka ACLs and the topics' contracts; list and
    re-drive dead letters; replay consumer groups; publish a worker's outbox again; record a worker's database
    restored from a copy; define, cancel and
    inspect contests; acknowledge alerts; release, reject, halt and resume payouts; the balance
    monitor, players' earnings, the tax year, make-goods, Stripe's events and the notifications
    delivered; check the ledger; export and verify a contest's audit trail; manage the console's
    operators.
    Every command reads CONTESTPIPELINE_PG (default: the local Postgres, outside production) and
    CONTESTPIPELINE_KAFKA (no default; ./run cpctl names the local broker when one runs). Local tooling
    (the local broker, the demo, benchmarks, the fault campaign, fuzzers) is the development tool's:
    ./run cpdev --help.
    """);
Command[] commands =
[
    MigrateCommand.Build(), TopicsCommand.Build(), AclsCommand.Build(), ComposeCommand.Build(), LedgerCommand.Build(),
    ContractsCommand.Build(), DlqCommand.Build(), ReplayCommand.Build(), OutboxCommand.Build(),
    ContestsCommand.Build(), AlertsCommand.Build(), PayoutsCommand.Build(),
    AuditCommand.Build(), ConsoleCommands.Build(),
    MoneyCommands.BuildBalance(), MoneyCommands.BuildPlayers(), MoneyCommands.BuildTax(), MakeGoodsCommand.Build(),
    MoneyCommands.BuildStripeEvents(), NotificationsCommand.Build(), OperatorKeyCommand.Build(), RevenueCommand.Build(),
    RestoreCommand.Build(),
];
foreach (var command in commands) root.Subcommands.Add(command);
// The operator's own key signs every decision; the option stands for the setting, for this run.
var operatorKey = new Option<string?>("--operator-key")
{
    Description = $"the file of your own operator's key (or {ContestPipeline.Plumbing.OperatorKey.FileVariable})",
    Recursive = true,
};
root.Options.Add(operatorKey);
// Piped into grep or a file, a table row stays on one line instead of wrapping at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;
if (root.Parse(args).GetValue(operatorKey) is { Length: > 0 } keyFile)
    Environment.SetEnvironmentVariable(ContestPipeline.Plumbing.OperatorKey.FileVariable, Path.GetFullPath(keyFile));
// Parsed again with the key in place: --operator's default is the key's operator.
return await root.Parse(args).InvokeAsync();
