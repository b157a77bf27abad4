using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.EntryApi;
using ContestPipeline.Local.Onboarding;
using ContestPipeline.Local.Processes;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Cpdev;

/// <summary>
/// The stack by hand, from a player's entry to PAID, as a person trying <c>./run up</c> drives it: every worker
/// the money passes (Ingestion, Scoring, Settlement, Payout, the read model), the webhook receiver and the
/// platform's read API as processes, the Stripe-compatible server with no account for anyone; the players enter
/// with <c>cpdev enter</c>, the provider's feed is published as kcat would, and the winner, whose prize waits for
/// an account once the contest is SETTLED, onboards with <c>cpdev onboard</c> (the read API's link, the
/// Stripe-compatible server's onboarding page): only then is the contest PAID.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class OnboardCommandTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private static readonly Dictionary<string, string?> PayoutSettings = new()
    {
        [PayoutOptions.Settings.AccountRecheckMs] = "500",
        [PayoutOptions.Settings.RecipientPayoutSpacingSeconds] = "0",
    };

    [Fact]
    public async Task
        Entered_by_hand_the_contest_settles_its_prize_waits_for_an_account_and_is_paid_once_the_winner_onboards()
    {
        await using var run =
            await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement", "operations");
        run.StartWorker("payout", env: PayoutSettings);
        run.Stripe.TopUp(1_000_000, "usd");
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        await using var api = await LocalPlayerApi.StartAsync(run.Swaps);
        // Time for two entries, each a process of its own started at once, before the contest locks, even when
        // a busy machine takes half a minute to start a process.
        var lockAt = (await run.LockTimeAsync()).AddSeconds(90);
        run.World.Schedule("walk", 1, lockAt.AddMinutes(1), "ivy", "jon");
        run.Define(Fitness("steps", lockAt, "walk"));
        await Eventually.UntilAsync(() => ReadModelStateAsync(run, "steps"), s => s == "SCHEDULED", "steps SCHEDULED");
        var stackFile = Path.Combine(fixture.WorkDirectory, $"up-{Guid.NewGuid():N}.json");
        new LocalStack(run.Stripe.BaseUrl, run.Stripe.ApiKey, run.Iso.Broker.BootstrapServers,
            run.Iso.PostgresConnectionString, new Uri("http://127.0.0.1:5080"), api.Url, api.Token,
            api.SignIn.PrivateKeyPem).Write(stackFile);
        var entries = await Task.WhenAll(new[] { "ivy", "jon" }
            .Select(player => CpdevAsync(stackFile, "enter", "--contest", "steps", "--player", player)));
        foreach (var entered in entries)
            Assert.True(entered.ExitCode == EnterCommand.ExitAccepted, string.Join('\n', entered.Lines));

        await run.WaitForStateAsync("steps", "LOCKED", Patience);
        run.World.Start("walk", 2);
        run.World.Stat("walk", 3, "ivy", "steps", 12_000);
        run.World.Stat("walk", 4, "jon", "steps", 9_000);
        run.World.End("walk", 5);
        await run.WaitForSettlementStateAsync("steps", "SETTLED", Patience);
        await Eventually.UntilAsync(() => PayoutStatesAsync(run), s => s == PayoutStatusNames.AwaitingAccount,
            "ivy's prize waiting for her account", Patience);
        // Nothing else moves it: read to the end of every topic, the contest is still not PAID.
        await run.ReadToEndAsync();
        Assert.Equal("SETTLED", await run.SettlementStateAsync("steps"));

        var loser = await CpdevAsync(stackFile, "onboard", "--player", "jon");
        Assert.Equal(OnboardCommand.ExitRefused, loser.ExitCode);
        Assert.Contains(loser.Lines, l => l.Contains("answered 404", StringComparison.Ordinal));

        var winner = await CpdevAsync(stackFile, "onboard", "--player", "ivy");
        Assert.True(winner.ExitCode == OnboardCommand.ExitOnboarded, string.Join('\n', winner.Lines));
        Assert.Contains(winner.Lines, l => l.StartsWith("link:", StringComparison.Ordinal)
            && l.Contains("/_emulator/onboarding/", StringComparison.Ordinal));
        Assert.Contains(winner.Lines, l => l.StartsWith("onboarded: ivy", StringComparison.Ordinal));
        await run.WaitForSettlementStateAsync("steps", "PAID", Patience);
        Assert.Equal("paid", await PayoutStatesAsync(run));
        var transfer = Assert.Single(run.Stripe.Ledger().Transfers);
        Assert.StartsWith("acct_", transfer.Destination, StringComparison.Ordinal);
        Assert.True(transfer.Amount > 0);

        await ShippedMonitoringReadsTheseProcessesAsync(run);
    }

    /// <summary>
    /// A real Prometheus pointed at the run's workers, with the shipped alert rules: every worker scraped, every
    /// metric a rule reads exported by some worker, every rule evaluated without error, and every query of the shipped
    /// dashboard answered with data.
    /// </summary>
    private async Task ShippedMonitoringReadsTheseProcessesAsync(ContestRun run)
    {
        var targets = run.HealthTargets();
        Assert.Equal(5, targets.Count);
        await using var prometheus = await LocalPrometheus.StartAsync(fixture.WorkDirectory, targets);
        await Eventually.UntilAsync(async () => (await prometheus.QueryAsync(
                "count(count_over_time(up{job=\"contestpipeline\"}[1m]) >= 3)")) is [{ Value: var n }] && n == "5",
            "three scrapes of each of the five workers", TimeSpan.FromSeconds(60));
        // Health is the last scrape's: on a busy machine one can time out, so every target is given time to be up at
        // once.
        var health = await Eventually.UntilAsync(async () => await prometheus.TargetsAsync(),
            ts => ts.All(t => t.Health == "up"), "every worker's last scrape up", TimeSpan.FromSeconds(60));
        Assert.All(health, t => Assert.True(t.Health == "up", $"{t.Instance} is {t.Health}"));
        var rules = File.ReadAllText(LocalPrometheus.DeployFile("prometheus", "alerts.yml"));
        var read = System.Text.RegularExpressions.Regex.Matches(rules, @"contestpipeline_[a-z_]+").Select(m => m.Value)
            .Distinct().ToList();
        Assert.True(read.Count >= 8, string.Join(", ", read));
        foreach (var metric in read)
            Assert.True((await prometheus.QueryAsync($"count({{__name__=\"{metric}\"}})")).Count == 1,
                $"no worker exports {metric}, which deploy/prometheus/alerts.yml reads");
        await Eventually.UntilAsync(async () => (await prometheus.RulesAsync()).All(r => r.Health != "unknown"),
            "every rule evaluated once", TimeSpan.FromSeconds(30));
        Assert.All(await prometheus.RulesAsync(), r => Assert.True(r.Health == "ok", $"{r.Name}: {r.Error}"));
        // A rate needs two samples in its window: on a busy machine a scrape can time out, so each query is given time.
        // The last observation names the panels still without data.
        await Eventually.UntilAsync(async () =>
        {
            var empty = new List<string>();
            foreach (var (panel, expr) in LocalPrometheus.DashboardQueries())
                if ((await prometheus.QueryAsync(expr)).Count == 0) empty.Add($"'{panel}': {expr}");
            return string.Join("; ", empty);
        }, empty => empty.Length == 0, "every dashboard query answered with data", TimeSpan.FromSeconds(90));
    }

    private static async Task<string?> ReadModelStateAsync(ContestRun run, string contestId)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('operations.contests') IS NOT NULL")
            ? await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT state FROM operations.contests WHERE contest_id = @contestId", new { contestId })
            : null;
    }

    /// <summary>The contest's payouts' states, comma-separated; null before Payout's schema has any.</summary>
    private static async Task<string?> PayoutStatesAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        if (!await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('payout.payouts') IS NOT NULL")) return null;
        var states = (await conn.QueryAsync<string>(
            "SELECT state FROM payout.payouts WHERE contest_id = 'steps' ORDER BY payout_id")).ToList();
        return states.Count == 0 ? null : string.Join(",", states);
    }

    private async Task<(int ExitCode, List<string> Lines)> CpdevAsync(string stackFile, string command,
        params string[] args)
    {
        var lines = new List<string>();
        await using var cpdev = ChildProcess.StartDotnet(command, RepoPaths.CpdevDll,
            [command, "--stack-file", stackFile, .. args],
            new Dictionary<string, string?> { [LocalSigningKeys.Setting.Key] = LocalSigningKeys.Setting.Value },
            Path.Combine(fixture.WorkDirectory, $"{command}-{Guid.NewGuid():N}.log"),
            line => { lock (lines) lines.Add(line); });
        await cpdev.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        await Task.Delay(200);
        lock (lines) return (cpdev.ExitCode, [.. lines]);
    }
}
