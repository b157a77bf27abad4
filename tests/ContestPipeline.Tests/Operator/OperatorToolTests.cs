using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Database;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Operations;
using ContestPipeline.Tests.Scenarios;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using System.Text.Json;
using ContestPipeline.Cpctl;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.PlayerApi;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// An operator's day with cpctl alone, never SQL, against the whole pipeline as processes: contests
/// defined, listed and cancelled, alerts acknowledged and resolved, the emergency stop, releases, players' earnings,
/// the tax year with its reporting flag,
/// the balance monitor, Stripe's events and a make-good with two different operators. Each
/// command runs as its own process, as an operator runs it, and what it did is checked in the
/// read model the console shows.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class OperatorToolTests
{
    private const string Contest = "opsday";

    [Fact]
    public async Task
        An_operator_runs_contests_alerts_halts_payouts_players_tax_balance_webhooks_and_make_goods_with_cpctl_alone()
    {
        await using var stack = await OperationsStack.StartAsync("cpctl");
        stack.StartWorkers();
        await stack.RunContestToSettledAsync(Contest);
        var tool = new Cpctl(stack);

        var contests = await tool.RunAsync("contests", "list");
        Assert.Contains(contests.Lines, l => l.Contains(Contest, StringComparison.Ordinal)
            && l.Contains("SETTLED", StringComparison.Ordinal));
        var timeline = await tool.RunAsync("contests", "show", Contest);
        Assert.Contains(timeline.Lines, l => l.Contains("LOCKED", StringComparison.Ordinal));

        var held = await ReadModelReplayTests.HeldPayoutAsync(stack);
        await HeldPrizesAlertAcknowledgedAndResolvedAsync(stack, tool);
        await HaltAndResumeAsync(stack, tool);
        await TwoOperatorsReleaseAsync(stack, tool, held);

        var ada = await tool.RunAsync("players", "show", "ada");
        Assert.Contains(ada.Lines, l => l.Contains(held, StringComparison.Ordinal)
            && l.Contains("paid", StringComparison.Ordinal));
        Assert.Contains(ada.Lines, l => l.Contains("26.19 USD", StringComparison.Ordinal));

        await TaxYearAsync(stack, tool);
        await BalanceAndStripeEventsAsync(tool);
        await MakeGoodsAsync(stack, tool);
        await PlayersListAsync(tool);
        await PlayerStatementsAsync(stack, tool);
        await MovingMessagesAsync(tool);
        await EveryDecisionIsInTheAuditTrailAsync(stack);

        await CancelLiveContestAsync(stack, tool);
        await LateCancelIsRefusedAsync(stack);
    }

    /// <summary>The held prize's alert: listed, acknowledged by name and note, resolved by another, once.</summary>
    private static async Task HeldPrizesAlertAcknowledgedAndResolvedAsync(OperationsStack stack, Cpctl tool)
    {
        var alertId = await stack.ScalarAsync<string>(
            "SELECT alert_id FROM operations.alerts WHERE code = 'payout_held_review' LIMIT 1");
        var alerts = await tool.RunAsync("alerts", "list", "--code", "payout_held_review");
        Assert.Contains(alerts.Lines, l => l.Contains("payout_held_review", StringComparison.Ordinal));
        await tool.RunAsync("alerts", "ack", alertId!, "--note", "looking at the winner's history",
            "--operator", "ann");
        await stack.WaitAsync(async () => await stack.ScalarAsync<string>(
            "SELECT acked_by FROM operations.alerts WHERE alert_id = @alertId", new { alertId }) == "ann",
            "the alert acknowledged by ann");
        // bob resolves it with his note; a second resolve is refused before anything is sent.
        await tool.RunAsync("alerts", "resolve", alertId!, "--note", "winner's history checked", "--operator", "bob");
        await stack.WaitAsync(async () => await stack.ScalarAsync<string>(
            "SELECT state FROM operations.alerts WHERE alert_id = @alertId", new { alertId }) == "resolved",
            "the alert resolved by bob");
        await using (var read = await stack.DataSource.OpenConnectionAsync())
            Assert.Equal(("ann", "bob", "winner's history checked"),
                await Dapper.SqlMapper.QuerySingleAsync<(string, string, string)>(read,
                "SELECT acked_by, resolved_by, resolve_note FROM operations.alerts WHERE alert_id = @alertId",
                new { alertId }));
        var resolvedAgain =
            await tool.RunAsync(1, "alerts", "resolve", alertId!, "--note", "twice", "--operator", "ann");
        Assert.Contains(resolvedAgain.Lines,
            l => l.Contains($"alert {alertId} is resolved already", StringComparison.Ordinal));
    }

    /// <summary>The emergency stop and its lifting, as Payout reports them back.</summary>
    private static async Task HaltAndResumeAsync(OperationsStack stack, Cpctl tool)
    {
        await tool.RunAsync("payouts", "halt", "--reason", "suspicious pattern", "--operator", "ann");
        await stack.WaitAsync(async () => await stack.ScalarAsync<bool>("SELECT halted FROM operations.dispatch"),
            "payouts halted");
        await tool.RunAsync("payouts", "resume", "--reason", "checked", "--operator", "bob");
        await stack.WaitAsync(async () => !await stack.ScalarAsync<bool>("SELECT halted FROM operations.dispatch"),
            "payouts resumed");
    }

    /// <summary>
    /// Two operators release the prize above the two-person amount, each with their own key; the contest is paid.
    /// </summary>
    private static async Task TwoOperatorsReleaseAsync(OperationsStack stack, Cpctl tool, string held)
    {
        await tool.RunAsync("payouts", "release", held, "--operator", "ann", "--reason", "reviewed");
        await stack.WaitAsync(async () => await stack.ScalarAsync<int>(
            "SELECT approvals FROM operations.payouts WHERE payout_id = @held", new { held }) == 1,
            "the first approval recorded");
        // ann's own key cannot approve a second time under bob's name: cpctl refuses before sending anything, still one
        // approval.
        var asBob = await tool.RunAsync(1, "payouts", "release", held, "--operator", "bob", "--operator-key",
            OperatorKeys.LocalFile("ann"), "--reason", "as bob");
        Assert.Contains(asBob.Lines, l => l.Contains(
            "--operator bob is not the operator of the key given (ann); nothing was sent", StringComparison.Ordinal));
        Assert.Equal(1, await stack.ScalarAsync<int>("SELECT approvals FROM operations.payouts WHERE payout_id = @held",
            new { held }));
        // The operator is the key's: bob's key alone, without --operator, approves as bob. Sealed under his password,
        // the file alone signs nothing (and sends nothing); with the password it approves.
        var sealedBob = Path.Combine(stack.WorkDirectory, "bob.operator-key");
        LocalSigningKeys.Operator("bob").WriteTo(sealedBob, "bobs-own-password");
        var noPassword =
            await tool.RunAsync(1, "payouts", "release", held, "--operator-key", sealedBob, "--reason", "agreed");
        Assert.Contains(noPassword.Lines,
            l => l.Contains("bob's key is sealed under their password", StringComparison.Ordinal));
        Assert.Equal(1, await stack.ScalarAsync<int>("SELECT approvals FROM operations.payouts WHERE payout_id = @held",
            new { held }));
        await tool.RunWithAsync(
            new Dictionary<string, string?> { [OperatorKey.PasswordVariable] = "bobs-own-password" }, 0,
            "payouts", "release", held, "--operator-key", sealedBob, "--reason", "agreed");
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(Contest) == "PAID", $"{Contest} PAID", 120);
        // PAID can reach the read model before the payout's own status does: wait for the prize.
        await stack.WaitAsync(async () =>
            await stack.ScalarAsync<string>("SELECT state FROM operations.payouts WHERE payout_id = @held",
            new { held }) == "paid", $"{held} paid in the read model");
    }

    /// <summary>
    /// Every decision is in the audit trail, by name, as cpctl made it; each command that moves messages twice: its
    /// request, then its outcome.
    /// </summary>
    private static async Task EveryDecisionIsInTheAuditTrailAsync(OperationsStack stack)
    {
        string[] expected = ["alert-ack", "alert-resolve", "payouts-halt", "payouts-resume", "payout-release",
            "payout-release", "tax-export", "make-good-propose", "make-good-confirm",
            "replay", "replay", "dlq-redrive", "dlq-redrive", "outbox-republish", "outbox-republish"];
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.audit WHERE tool = 'cpctl'") >= expected.Length,
            "every cpctl action in the audit trail");
        await using var conn = await stack.DataSource.OpenConnectionAsync();
        var actions = (await Dapper.SqlMapper.QueryAsync<(string Action, string Operator)>(conn,
            "SELECT action, operator FROM operations.audit WHERE tool = 'cpctl' ORDER BY at, action_id")).ToList();
        Assert.Equal(expected, actions.Select(a => a.Action));
        Assert.Equal(["ann", "bob", "ann", "bob", "ann", "bob", "ann", "ann", "bob", "ann", "ann", "bob", "bob", "ann",
            "ann"], actions.Select(a => a.Operator));
        var moves =
            (await Dapper.SqlMapper.QueryAsync<(string Action, string ActionId, string Reason, string Outcome)>(conn,
            "SELECT action, action_id, reason, outcome FROM operations.audit WHERE action IN ('replay', " +
            "'dlq-redrive', 'outbox-republish') ORDER BY at, action_id")).ToList();
        Assert.Equal(["requested", "requested", "requested"],
            moves.Where(m => !m.ActionId.EndsWith("/outcome", StringComparison.Ordinal)).Select(m => m.Outcome));
        Assert.Equal([moves[0].ActionId + "/outcome", moves[2].ActionId + "/outcome", moves[4].ActionId + "/outcome"],
            [moves[1].ActionId, moves[3].ActionId, moves[5].ActionId]);
        Assert.StartsWith("done: ", moves[1].Outcome);
        Assert.Contains("group operations.operations (operations)", moves[1].Outcome, StringComparison.Ordinal);
        Assert.Equal("done: re-drove 0 dead letter(s) from contests.dlq", moves[3].Outcome);
        // cpctl's read-only role cannot move a worker's relay: the attempt is recorded as failed, with why.
        Assert.StartsWith("failed (exit 1): outbox republish: schema operations: ", moves[5].Outcome);
        Assert.Equal(["a replay audited", "a replay audited", "nothing to re-drive", "nothing to re-drive",
            "recover lost messages", "recover lost messages"],
            moves.Select(m => m.Reason));
    }

    /// <summary>
    /// replay, dlq redrive and outbox republish as an operator: without a reason refused before anything is recorded or
    /// changed, a dry run not recorded, and the rest recorded as a request and its outcome (checked with the audit
    /// trail).
    /// </summary>
    private static async Task MovingMessagesAsync(Cpctl tool)
    {
        string[] replay =
            ["replay", "--group", "operations.operations", "--topic", Topics.Operations, "--to-beginning"];
        var unexplained = await tool.RunAsync(1, [.. replay, "--operator", "ann"]);
        Assert.Contains(unexplained.Lines, l => l.Contains("--reason is required", StringComparison.Ordinal));
        await tool.RunAsync([.. replay, "--dry-run"]);
        var replayed = await tool.RunAsync([.. replay, "--operator", "ann", "--reason", "a replay audited"]);
        Assert.Contains(replayed.Lines, l => l.Contains("sent rewind", StringComparison.Ordinal)
            && l.Contains("group operations.operations", StringComparison.Ordinal));
        await tool.RunAsync("dlq", "redrive", Topics.Contests, "--all", "--operator", "bob", "--reason",
            "nothing to re-drive");
        await tool.RunAsync(1, "outbox", "republish", "--worker", "operations", "--from-time", "2026-01-01T00:00:00Z",
            "--operator", "ann", "--reason", "recover lost messages");
    }

    [Fact]
    public async Task Moving_messages_without_an_operator_or_a_reason_changes_nothing()
    {
        var ran = false;
        Task<int> Act(TextWriter output, TextWriter error)
        {
            ran = true;
            return Task.FromResult(0);
        }
        Assert.Equal(1,
            await AuditedAction.RunAsync("replay", "replay", "g", "ann", " ", false, Act, CancellationToken.None));
        Assert.Equal(1,
            await AuditedAction.RunAsync("replay", "replay", "g", "", "why", false, Act, CancellationToken.None));
        Assert.False(ran);
        // A dry run changes nothing: it runs without an operator or a reason, and is not recorded.
        Assert.Equal(0,
            await AuditedAction.RunAsync("replay", "replay", "g", "", null, true, Act, CancellationToken.None));
        Assert.True(ran);
        Assert.Equal("a / b", AuditedAction.Summary("a\n\n b \r\n"));
        Assert.Equal(AuditedAction.OutcomeCharsMax, AuditedAction.Summary(new string('x', 10_000)).Length);
    }

    [Fact]
    public void The_operator_is_the_keys_and_another_name_is_refused()
    {
        Assert.Null(OperatorTool.OperatorRefusal("ann", "ann"));
        Assert.Null(OperatorTool.OperatorRefusal("ann", null));
        Assert.Null(OperatorTool.OperatorRefusal("", "ann"));
        Assert.Equal("--operator bob is not the operator of the key given (ann); nothing was sent: " +
            "leave --operator out or give your own key", OperatorTool.OperatorRefusal("bob", "ann"));
        Assert.Contains("not the operator of the key", OperatorTool.OperatorRefusal("Ann", "ann"),
            StringComparison.Ordinal);
        Assert.StartsWith("--operator NAME is required when no --operator-key FILE is given (local runs: the local "
            + $"operators' keys are in {OperatorKeys.LocalDirectoryDefault}", OperatorTool.OperatorRefusal("", null),
            StringComparison.Ordinal);
    }

    private const string LiveContest = "opslive";
    private static readonly string[] LivePlayers = ["gus", "hal", "ivy"];

    /// <summary>
    /// A LIVE contest with three paid entries, defined with cpctl, cancelled with cpctl under the two-person rule:
    /// ann's request (twice) is recorded and announced, bob's applies it; the referee cancels it, every paid
    /// entry is refunded on Stripe exactly once, its accounts close in the ledger (cpctl ledger check agrees), and
    /// the audit trail names who decided and why.
    /// </summary>
    private static async Task CancelLiveContestAsync(OperationsStack stack, Cpctl tool)
    {
        const string game = "g9";
        stack.World.Schedule(game, 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1");
        await stack.WaitAsync(async () =>
            await stack.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = @game)",
            new { game }), "the game scheduled");
        await DefineLiveContestAsync(stack, tool, game);
        var paid = LivePlayers.ToDictionary(p => stack.World.Pay(LiveContest, p, ContestScenarios.Fee), p => p);
        foreach (var (intent, player) in paid)
            stack.World.Submit(
                ContestScenarios.Entry($"s-{LiveContest}-{player}", LiveContest, player, intent, "qb1", "rb1"));
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(LiveContest) == "LOCKED",
            $"{LiveContest} LOCKED");
        stack.World.Start(game, 2);
        stack.World.Stat(game, 3, "qb1", "passing_yards", 300);
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(LiveContest) == "LIVE",
            $"{LiveContest} LIVE");

        await tool.RunAsync("contests", "cancel", LiveContest, "--reason", "stadium flooded", "--operator", "ann");
        await stack.WaitAsync(async () => await stack.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM operations.alerts WHERE code = 'cancel_awaits_second_operator' " +
            "AND subject = @LiveContest)", new { LiveContest }), "ann's cancel announced, awaiting a second operator");
        Assert.Equal("LIVE", await stack.ReadModelStateAsync(LiveContest));
        // The same operator twice is still one: on the contest's partition this arrives before bob's.
        await tool.RunAsync("contests", "cancel", LiveContest, "--reason", "stadium flooded", "--operator", "ann");
        await tool.RunAsync("contests", "cancel", LiveContest, "--reason", "agreed", "--operator", "bob");
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(LiveContest) == "CANCELLED",
            $"{LiveContest} CANCELLED", 120);
        const string requested = "SELECT summary FROM operations.contest_events WHERE contest_id = @LiveContest " +
            "AND kind = 'cancel_requested'";
        await stack.WaitAsync(async () => await stack.ScalarAsync<string>(requested, new { LiveContest }) is not null,
            "the cancel on the timeline");
        await using (var read = await stack.DataSource.OpenConnectionAsync())
            Assert.Equal(["cancel requested by ann and bob: stadium flooded"],
                await Dapper.SqlMapper.QueryAsync<string>(read, requested, new { LiveContest }));
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.refunds WHERE contest_id = @LiveContest AND state = 'refunded'",
            new { LiveContest }) == 3, "three refunds made", 120);
        // Exactly once: one refund per paid entry, and no other refund made for the contest.
        var refunds = stack.Stripe.Ledger().Refunds.Where(r =>
            r.Metadata.GetValueOrDefault("contest_id") == LiveContest).ToList();
        Assert.Equal(paid.Keys.Order(), refunds.Select(r => r.PaymentIntent).Order());
        Assert.All(refunds, r => Assert.Equal(ContestScenarios.Fee, r.Amount));
        // The ledger is closed for it (every fee refunded, the book balanced), and cpctl's check of every closed
        // contest (this one and the paid one) says so.
        Assert.Equal("CANCELLED", await stack.LedgerClosedAsync(LiveContest));
        var ledger = await tool.RunAsync("ledger", "check");
        Assert.Contains(ledger.Lines, l => l.StartsWith("ledger holds: ", StringComparison.Ordinal)
            && l.EndsWith("; 2 closed contest(s) with their accounts closed", StringComparison.Ordinal));
        Assert.DoesNotContain(ledger.Lines, l => l.StartsWith("problem: ", StringComparison.Ordinal));
        // A write-off needs something owed back on the payout it names; cpctl says so before anything is published.
        var writeOff = await tool.RunAsync(1, "ledger", "write-off", "prize_none", "--amount-minor", "500", "--reason",
            "given up", "--operator", "ann");
        Assert.Contains(writeOff.Lines, l => l.Contains("nothing was ever owed back on payout prize_none",
            StringComparison.Ordinal));
        await using var conn = await stack.DataSource.OpenConnectionAsync();
        var decided = await Dapper.SqlMapper.QueryAsync<string>(conn,
            "SELECT operator FROM operations.audit WHERE action = 'contest-cancel' AND subject = @LiveContest " +
            "ORDER BY at", new { LiveContest });
        Assert.Equal(["ann", "ann", "bob"], decided);
        // cpctl says no to a contest that is already over, before anything is published.
        var again = await tool.RunAsync(1, "contests", "cancel", LiveContest, "--reason", "twice", "--operator", "cy");
        Assert.Contains(again.Lines, l => l.Contains("only a contest not yet COMPLETE", StringComparison.Ordinal));
        await DefineBigGuaranteeAsync(stack, tool);
    }

    /// <summary>
    /// A guaranteed pool above one operator's bound, defined with cpctl: ann alone is refused before anything is
    /// sent; bob seals the file, and ann defines it, sealed by both, and it is scheduled.
    /// </summary>
    private static async Task DefineBigGuaranteeAsync(OperationsStack stack, Cpctl tool)
    {
        const string game = "g10";
        stack.World.Schedule(game, 1, DateTimeOffset.UtcNow.AddHours(4), "qb1", "rb1", "wr1");
        await stack.WaitAsync(async () =>
            await stack.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM ingestion.games WHERE game_id = @game)",
            new { game }), "the game scheduled");
        var big = ContestScenarios.Fantasy("big-guarantee", DateTimeOffset.UtcNow.AddHours(3), [game]) with
        {
            Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: ContestLimits.GuaranteedMinorOneOperatorMax + 1),
        };
        var bigFile = Path.Combine(stack.WorkDirectory, "big-guarantee.json");
        await File.WriteAllTextAsync(bigFile, System.Text.Json.JsonSerializer.Serialize(big, OutgoingMessage.Json));
        var alone = await tool.RunAsync(1, "contests", "define", bigFile, "--operator", "ann");
        Assert.Contains(alone.Lines, l => l.Contains("sealed by ann, 2 operators needed", StringComparison.Ordinal)
            && l.Contains("cpctl contests seal", StringComparison.Ordinal));
        var seal = await tool.RunAsync("contests", "seal", bigFile, "--operator", "bob");
        Assert.Contains(seal.Lines,
            l => l.StartsWith("contest big-guarantee sealed by bob in ", StringComparison.Ordinal)
            && l.EndsWith("another operator defines it: cpctl contests define " + bigFile, StringComparison.Ordinal));
        await tool.RunAsync("contests", "define", bigFile, "--operator", "ann");
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync("big-guarantee") == "SCHEDULED",
            "big-guarantee SCHEDULED");
        var bigBody = Assert.Single(stack.World.Read(Topics.Contests), m => m.Key == "big-guarantee")
            .Body.Deserialize<ContestDefined>(OutgoingMessage.Json)!;
        Assert.Equal(["ann", "bob"], DefinitionSeals.ClaimedOperators(bigBody));
    }

    /// <summary>
    /// The live contest defined with cpctl: a definition with two faults is refused with both reasons and nothing sent;
    /// the corrected one is sent, audited as ann's, and scheduled.
    /// </summary>
    private static async Task DefineLiveContestAsync(OperationsStack stack, Cpctl tool, string game)
    {
        var file = Path.Combine(stack.WorkDirectory, $"{LiveContest}.json");
        var wrong = ContestScenarios.Fantasy(LiveContest, DateTimeOffset.UtcNow.AddHours(1), [game])
            with { MinEntries = 0, GameIds = [] };
        await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(wrong, OutgoingMessage.Json));
        var refused = await tool.RunAsync(1, "contests", "define", file, "--operator", "ann");
        Assert.Contains(refused.Lines, l => l == $"contests define: contest {LiveContest} not defined (2 reasons):");
        Assert.Contains(refused.Lines, l => l.StartsWith("  - minEntries 0 is less than", StringComparison.Ordinal));
        Assert.Contains(refused.Lines, l => l == "  - gameIds is empty; a contest covers at least one game");

        // Locking once cpctl has started, sent it, and the three entries are decided, on a machine as busy as it may
        // be.
        var definition = ContestScenarios.Fantasy(LiveContest, DateTimeOffset.UtcNow.AddSeconds(45), [game]);
        await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(definition, OutgoingMessage.Json));
        var sent = await tool.RunAsync("contests", "define", file, "--operator", "ann");
        Assert.Contains(sent.Lines, l => l.StartsWith($"contest {LiveContest} sent; ", StringComparison.Ordinal));
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync(LiveContest) == "SCHEDULED",
            $"{LiveContest} SCHEDULED");
        // The refused definition was never sent: the one on contests is the corrected one, as written.
        var defined = Assert.Single(stack.World.Read(Topics.Contests), m => m.Key == LiveContest
            && m.Type == ContestDefined.MessageType);
        var body = defined.Body.Deserialize<ContestDefined>(OutgoingMessage.Json)!;
        Assert.Equivalent(definition, body with { Seals = null }, strict: true);
        Assert.Equal(["ann"], DefinitionSeals.ClaimedOperators(body));
        Assert.Equal("ann", await stack.ScalarAsync<string>(
            "SELECT operator FROM operations.audit WHERE action = 'contest-define' AND subject = @LiveContest",
            new { LiveContest }));
    }

    /// <summary>Every player with an entry or a payout, with their counts; and a search by part of the id.</summary>
    private static async Task PlayersListAsync(Cpctl tool)
    {
        var all = await tool.RunAsync("players", "list");
        Assert.Contains(all.Lines, l => l.StartsWith("page 1: 6 players", StringComparison.Ordinal));
        var rows = all.Lines.Select(Cells).Where(c => c.Length == 3).ToDictionary(c => c[0], c => (c[1], c[2]));
        Assert.Equal(OperationsStack.Players, rows.Keys.Where(OperationsStack.Players.Contains)
            .Order(StringComparer.Ordinal));
        // ada's prize; ed's make-good; each has the one entry.
        Assert.Equal(("1", "1"), rows["ada"]);
        Assert.Equal(("1", "1"), rows["ed"]);
        var some = await tool.RunAsync("players", "list", "--search", "d");
        Assert.Contains(some.Lines, l => l.StartsWith("page 1: 3 players", StringComparison.Ordinal));
        Assert.Equal(["ada", "di", "ed"],
            some.Lines.Select(Cells).Where(c => c.Length == 3 && OperationsStack.Players.Contains(c[0]))
            .Select(c => c[0]));
    }

    /// <summary>The cells of a row of a table as cpctl prints it.</summary>
    private static string[] Cells(string line) =>
        [.. line.Split('│', '|').Select(c => c.Trim()).Where(c => c.Length > 0)];

    /// <summary>
    /// A cancel that reaches the referee after the contest completed (here: paid) loses to COMPLETE: refused
    /// with a critical alert, the contest stays PAID and none of its entries is refunded.
    /// </summary>
    private static async Task LateCancelIsRefusedAsync(OperationsStack stack)
    {
        stack.World.CancelAs(Contest, "too late", "ann");
        stack.World.CancelAs(Contest, "too late", "bob");
        await stack.WaitAsync(async () => await stack.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM operations.alerts WHERE severity = 'critical' AND message LIKE @refused)",
            new { refused = $"%cancel of contest {Contest} refused%" }),
            "the late cancel refused with a critical alert");
        Assert.Equal("PAID", await stack.ReadModelStateAsync(Contest));
        Assert.Equal(0L, await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.refunds WHERE contest_id = @Contest", new { Contest }));
        Assert.DoesNotContain(stack.Stripe.Ledger().Refunds,
            r => r.Metadata.GetValueOrDefault("contest_id") == Contest);
    }

    /// <summary>ada's 26.19 reaches a threshold set at 20.00 for the test; bo's 15.71 does not.</summary>
    private static async Task TaxYearAsync(OperationsStack stack, Cpctl tool)
    {
        var year = DateTimeOffset.UtcNow.Year.ToString(CultureInfo.InvariantCulture);
        var csv = Path.Combine(stack.WorkDirectory, "tax.csv");
        var run = await tool.RunAsync("tax", "--year", year, "--out", csv, "--operator", "ann");
        Assert.Contains(run.Lines, l => l.Contains("1 at or above the reporting threshold", StringComparison.Ordinal));
        var rows = (await File.ReadAllLinesAsync(csv)).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => f[1], f => (Paid: f[3], Reportable: f[6]));
        Assert.Equal(("2619", "yes"), rows["ada"]);
        Assert.Equal(("1571", "no"), rows["bo"]);
    }

    private static async Task BalanceAndStripeEventsAsync(Cpctl tool)
    {
        var balance = await tool.RunAsync("balance");
        Assert.Contains(balance.Lines, l => l.StartsWith("level", StringComparison.Ordinal)
            && l.Contains("healthy", StringComparison.Ordinal));
        Assert.Contains(balance.Lines, l => l.StartsWith("trend", StringComparison.Ordinal));
        var events = await tool.RunAsync("stripe-events", "--type", "transfer.created");
        Assert.Contains(events.Lines,
            l => l.Contains("transfer.created", StringComparison.Ordinal)
                && l.Contains("evt_", StringComparison.Ordinal));
    }

    /// <summary>A correction after COMPLETE owes ed and fi 17.46 each: ann proposes, ann cannot confirm, bob does.
    /// </summary>
    private static async Task MakeGoodsAsync(OperationsStack stack, Cpctl tool)
    {
        stack.World.Correct(OperationsStack.Game, 8, "te1", "receptions", 100);
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.make_goods WHERE contest_id = @Contest", new { Contest }) == 1,
            "the make-goods assessed", 120);
        var show = await tool.RunAsync("make-goods", "show", Contest);
        Assert.Contains(show.Lines,
            l => l.StartsWith("report 1: 34.92 USD owed to 2 entries", StringComparison.Ordinal));
        var proposed = await tool.RunAsync("make-goods", "propose", Contest, "--report", "1", "--reason",
            "te1's receptions corrected", "--operator", "ann");
        var proposal = proposed.Lines.Single(l => l.StartsWith("proposal ", StringComparison.Ordinal)).Split(' ')[1];
        await stack.WaitAsync(async () => await stack.ScalarAsync<string>(
            "SELECT proposed_by FROM operations.make_good_proposals WHERE proposal_id = @proposal",
            new { proposal }) == "ann", "the proposal in the read model");
        var self =
            await tool.RunAsync(1, "make-goods", "confirm", Contest, proposal, "--reason", "mine", "--operator", "ann");
        Assert.Contains(self.Lines,
            l => l.Contains("a second, different operator must confirm", StringComparison.Ordinal));
        // ann's own key confirming under bob's name is refused by cpctl, which sends nothing.
        var asBob = await tool.RunAsync(2, "make-goods", "confirm", Contest, proposal, "--reason", "as bob",
            "--operator", "bob", "--operator-key", OperatorKeys.LocalFile("ann"));
        Assert.Contains(asBob.Lines, l =>
            l == "make-goods confirm: --operator bob is not the operator of the key given (ann); nothing was sent: " +
            "leave --operator out or give your own key");
        Assert.Equal(0L, await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.make_good_proposals WHERE contest_id = @Contest " +
            "AND confirmed_by IS NOT NULL", new { Contest }));
        await tool.RunAsync("make-goods", "confirm", Contest, proposal, "--reason", "agreed", "--operator-key",
            OperatorKeys.LocalFile("bob"));
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.payouts WHERE contest_id = @Contest AND kind = 'make_good' " +
            "AND state = 'paid'", new { Contest }) == 2, "both make-goods paid", 120);
    }

    /// <summary>
    /// The platform's read API, as the platform's backend calls it: only with its token, a player's
    /// entries, prizes and payouts as the app shows them; and its role reads nothing else.
    /// </summary>
    private static async Task PlayerStatementsAsync(OperationsStack stack, Cpctl tool)
    {
        // The migrate job ran before the stack, as in production: it granted the read API its three tables.
        await using var api = await LocalPlayerApi.StartAsync(stack.Swaps);
        using var http = new HttpClient { BaseAddress = api.Url };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/players/ada/statement")).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/players/ada/statement"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token);
        var ada = (await http.GetFromJsonAsync<PlayerStatement>("/players/ada/statement", OutgoingMessage.Json))!;
        var entry = Assert.Single(ada.Entries);
        Assert.Equal((Contest, "PAID", Scenarios.ContestScenarios.Fee),
            (entry.ContestId, entry.ContestState, entry.FeeMinor));
        var prize = Assert.Single(ada.Prizes);
        Assert.Equal(("prize", 1, 2_700L, 81L, 2_619L, "paid"),
            (prize.Kind, prize.Rank, prize.GrossMinor, prize.FeeMinor, prize.NetMinor, prize.Status));
        Assert.Equal([new StatementTotal("USD", 2_700, 81, 2_619, 0)], ada.Totals);
        var ed = (await http.GetFromJsonAsync<PlayerStatement>("/players/ed/statement", OutgoingMessage.Json))!;
        Assert.Equal([("make_good", 1_746L, "paid")], ed.Prizes.Select(p => (p.Kind, p.NetMinor, p.Status)));
        var nobody = (await http.GetFromJsonAsync<PlayerStatement>("/players/nobody/statement", OutgoingMessage.Json))!;
        Assert.Empty(nobody.Entries);

        // Least privilege: its role reads the three tables it serves, and nothing else of the read model.
        var env = LocalServices.Prepare(Services.PlayerApi, stack.Swaps with
        {
            PlayerApiTokens = PlayerApiOptions.Hash("t"), PlayerTokenKeys = "the sign-in's public key",
        },
            label: "player-api-role").Environment;
        var asApi = new Npgsql.NpgsqlConnectionStringBuilder(env[PipelineSettings.PostgresVariable])
        {
            Password = (await File.ReadAllTextAsync(
                env[PipelineSettings.PostgresPasswordVariable + Setting.FileSuffix]!)).Trim(),
        };
        Assert.Equal(DatabaseRoles.PlayerApi, asApi.Username);
        await using var conn = new Npgsql.NpgsqlConnection(asApi.ConnectionString);
        await conn.OpenAsync();
        Assert.True(
            await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT count(*) FROM operations.payouts") > 0);
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT count(*) FROM operations.alerts"));
        Assert.Equal("42501", refused.SqlState);
    }

    /// <summary>cpctl as an operator runs it: its own process, the stack's settings, a tax threshold of 20.00.
    /// </summary>
    private sealed class Cpctl(OperationsStack stack)
    {
        public sealed record Result(int ExitCode, IReadOnlyList<string> Lines);

        public Task<Result> RunAsync(params string[] args) => RunAsync(0, args);

        public Task<Result> RunAsync(int expectedExitCode, params string[] args) =>
            RunWithAsync(new Dictionary<string, string?>(), expectedExitCode, args);

        public async Task<Result> RunWithAsync(IReadOnlyDictionary<string, string?> settings, int expectedExitCode,
            params string[] args)
        {
            // As compose's cpctl service runs it: the read-only role and the operator's key.
            var overrides = new Dictionary<string, string?>(stack.Environment)
                { [TaxReporting.ThresholdSetting] = "2000" };
            foreach (var (name, value) in settings) overrides[name] = value;
            var spec = LocalServices.Prepare(Services.Cpctl, stack.Swaps, overrides, label: $"cpctl-{Guid.NewGuid():N}")
                with { Arguments = args };
            var lines = new List<string>();
            await using var process = LocalServices.Start(spec,
                Path.Combine(stack.WorkDirectory, $"cpctl-{args[0]}-{Guid.NewGuid():N}.log"),
                line => { lock (lines) lines.Add(line); });
            await process.WaitForExitAsync(new CancellationTokenSource(Eventually.Patience).Token);
            lock (lines)
            {
                Assert.True(process.ExitCode == expectedExitCode,
                    $"cpctl {string.Join(' ', args)} exited {process.ExitCode}: {string.Join(" / ", lines)}");
                return new Result(process.ExitCode, [.. lines]);
            }
        }
    }
}
