using ContestPipeline.Local.Demo;
using ContestPipeline.Local.EntryApi;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Cpdev;

/// <summary>
/// <c>cpdev enter</c> as a person trying <c>./run up</c> runs it: a process of its own against
/// the same kind of stack (Ingestion and the operations read model as processes, the
/// Stripe-compatible server delivering its events through the webhook receiver, the stack
/// described in the file up writes). It pays, submits a signed entry, and reports Ingestion's
/// decision.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class EnterCommandTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task
        Enter_pays_the_fee_and_the_signed_entry_is_accepted_a_wrong_amount_is_rejected_an_unknown_contest_pays_nothing()
    {
        await using var run = await ContestRun.StartAsync(fixture, workers: ["ingestion"]);
        // The read model as up runs it: with its own identity, as the writer of the read model.
        run.StartWorker("operations");
        await using var webhooks = await LocalWebhooks.StartAsync(run.Swaps);
        var lockAt = (await run.LockTimeAsync()).AddMinutes(5);
        run.World.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "jon");
        run.Define(Fitness("steps", lockAt, "walk"));
        // As a person would: enter once the console (the read model) shows the contest scheduled.
        await Eventually.UntilAsync(() => ReadModelStateAsync(run, "steps"), state => state == "SCHEDULED",
            "steps SCHEDULED in the read model");
        var stackFile = Path.Combine(fixture.WorkDirectory, $"up-{Guid.NewGuid():N}.json");
        new LocalStack(run.Stripe.BaseUrl, run.Stripe.ApiKey, run.Iso.Broker.BootstrapServers,
            run.Iso.PostgresConnectionString, new Uri("http://127.0.0.1:5080")).Write(stackFile);

        var accepted = await EnterAsync(stackFile, "--contest", "steps", "--player", "ivy");
        Assert.True(accepted.ExitCode == EnterCommand.ExitAccepted, string.Join('\n', accepted.Lines));
        var entryLine = Assert.Single(accepted.Lines, l => l.StartsWith("accepted:", StringComparison.Ordinal));
        var entryId = entryLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        await using (var conn = await run.Iso.DataSource.OpenConnectionAsync())
        {
            var entry = await conn.QuerySingleAsync<(string Player, long Fee)>(
                "SELECT player_id, amount_minor FROM ingestion.entries WHERE entry_id = @entryId", new { entryId });
            Assert.Equal(("ivy", Fee), entry);
        }

        var underpaid = await EnterAsync(stackFile, "--contest", "steps", "--player", "jon", "--amount", "1");
        Assert.Equal(EnterCommand.ExitRefused, underpaid.ExitCode);
        Assert.Contains(underpaid.Lines, l => l.StartsWith("rejected:", StringComparison.Ordinal)
            && l.Contains("amount", StringComparison.Ordinal));

        var paymentsBefore = Payments(run);
        var unknown = await EnterAsync(stackFile, "--contest", "nope", "--player", "kai");
        Assert.Equal(EnterCommand.ExitRefused, unknown.ExitCode);
        Assert.Contains(unknown.Lines,
            l => l.StartsWith("enter: contest nope is not scheduled", StringComparison.Ordinal));
        Assert.Equal(paymentsBefore, Payments(run));
    }

    private static async Task<string?> ReadModelStateAsync(ContestRun run, string contestId)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('operations.contests') IS NOT NULL")
            ? await conn.QueryFirstOrDefaultAsync<string>(
                "SELECT state FROM operations.contests WHERE contest_id = @contestId", new { contestId })
            : null;
    }

    private static int Payments(ContestRun run) => run.Stripe.Events().Count(e => e.Type == "payment_intent.succeeded");

    private async Task<(int ExitCode, List<string> Lines)> EnterAsync(string stackFile, params string[] args)
    {
        var lines = new List<string>();
        await using var enter = ChildProcess.StartDotnet("enter", RepoPaths.CpdevDll,
            ["enter", "--stack-file", stackFile, .. args],
            new Dictionary<string, string?> { [LocalSigningKeys.Setting.Key] = LocalSigningKeys.Setting.Value },
            Path.Combine(fixture.WorkDirectory, $"enter-{Guid.NewGuid():N}.log"),
            line => { lock (lines) lines.Add(line); });
        await enter.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        await Task.Delay(200);
        lock (lines) return (enter.ExitCode, [.. lines]);
    }
}
