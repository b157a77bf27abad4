using ContestPipeline.Contracts;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Processes;
using ContestPipeline.Operations;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Dapper;
using Npgsql;
using ContestPipeline.Deployment;

namespace ContestPipeline.Local.Demo;

/// <summary>
/// cpdev up (./run up): the whole stack for people to use by hand, until stopped (Ctrl-C or
/// SIGTERM): the local broker (its state file where every tool looks, so cpctl and kcat find it),
/// the Stripe-compatible server with a funded platform balance, the migrate job, the webhook
/// receiver, every worker, the operations console and the platform's read API, each with its identity from the
/// deployment's definition, on the pipeline's database made afresh as compose's postgres
/// service makes its own (the broker keeps nothing across runs, so neither does the database).
/// Prints the URLs, the bootstrap servers and the sign-ins.
/// </summary>
public static class UpCommand
{
    public static async Task<int> RunAsync(int consolePort, CancellationToken ct)
    {
        var admin = await ToolStartup.PostgresAsync("up");
        if (admin is null) return PipelineWorker.ExitStartupFailed;
        var database = new NpgsqlConnectionStringBuilder(admin).Database!;
        var server = new NpgsqlConnectionStringBuilder(admin) { Database = "postgres" }.ConnectionString;
        var pg = await LocalPostgres.CreateDatabaseAsync(server, database,
            dropFirst: true, ct);
        var runDir = Path.Combine(RepoPaths.RunDirectory, "up");
        Directory.CreateDirectory(runDir);
        var brokerFile = BrokerState.FilePath();
        Directory.CreateDirectory(Path.GetDirectoryName(brokerFile)!);
        await using var broker = await LocalBrokerProcess.StartAsync(brokerFile, Path.Combine(runDir, "broker.log"));
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 2026 }, ct);
        stripe.TopUp(1_000_000_00, "usd");
        var swaps = LocalSwaps.For(runDir, broker, pg, stripe);
        await LocalServices.MigrateAsync(swaps, ct);
        await using var webhooks = await LocalWebhooks.StartAsync(swaps, ct);
        var settings = new Dictionary<string, string?> { [OperationsOptions.Settings.SnapshotIntervalSeconds] = "300" };
        var workers = new List<ChildProcess>();
        try
        {
            foreach (var name in Workers.All.Keys)
                workers.Add(LocalServices.Start(Services.Of(name), swaps, Path.Combine(runDir, name + ".log"),
                    settings));
            await using var console = await LocalConsole.StartAsync(swaps, consolePort, ct: ct);
            // Kept up and stopped as a worker is: the stack is not whole without it.
            var playerApi = await LocalPlayerApi.StartAsync(swaps, ct);
            workers.Add(playerApi.Process);
            var stack = new LocalStack(stripe.BaseUrl, stripe.ApiKey, broker.BootstrapServers, pg, console.Url,
                playerApi.Url, playerApi.Token, playerApi.SignIn.PrivateKeyPem);
            stack.Write(LocalStack.FileDefault);
            using var removeStackFile = new StackFileRemoval(LocalStack.FileDefault);
            PrintWhereItIs(stack, runDir, brokerFile, console, webhooks.Url);
            return await KeepUpAsync(workers, console, ct);
        }
        finally
        {
            // Every worker at once, each given its grace (SIGTERM, then SIGKILL).
            await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask()));
        }
    }

    private static void PrintWhereItIs(LocalStack stack, string runDir, string brokerFile, LocalConsole console,
        Uri webhooks)
    {
        var signIns = string.Join("\n                       ", console.SignIns.Select(s =>
            $"{s.Name} / {s.Password}  ({s.Role})"
            + (console.AuthenticatorUri(s.Name) is { } uri ? $"  code: ./run cpdev code '{uri}'" : "")));
        var postgres = new NpgsqlConnectionStringBuilder(stack.Postgres) { Password = null }.ConnectionString;
        // Three lines printed below, too wide for the source as they are: built from pieces, printed unchanged.
        var stripeLine = $"{stack.StripeUrl}  (key {stack.StripeKey}; "
            + "platform balance topped up with 1,000,000.00 USD)";
        var feedCommand = $"kcat -P -b {stack.BootstrapServers} -t {Topics.ProviderFeed} -k g1 "
            + "-H message-id=feed:g1:1 -H type=GameScheduled -H schema-version=1 "
            + """<<< '{"gameId":"g1","sequence":1,"startsAt":"2030-01-01T18:00:00Z","athleteIds":["a1","a2"]}'""";
        var watchLine = "and watch contests move in the console. "
            + "A winner without a payout account onboards as the platform's page would do it,";
        Console.WriteLine($$"""

            ContestPipeline is up (logs in {{runDir}}); Ctrl-C or SIGTERM stops everything.

              console              {{console.Url}}
              sign in as           {{signIns}}
              bootstrap servers    {{stack.BootstrapServers}}   (state file {{brokerFile}})
              Stripe-compatible    {{stripeLine}}
              webhook receiver     {{webhooks}}
              player read API      {{stack.PlayerApiUrl}}  (bearer token in {{LocalStack.FileDefault}})
              Postgres             {{postgres}}
              services             {{string.Join(", ", Services.Stack.Where(s => s.LongRunning)
                  .Select(s => $"{s.Name} ({s.DatabaseRole ?? "no database"})"))}}

            Define a contest in the console, and publish the feed with your own tools, e.g.:
              {{feedCommand}}
            Enter a scheduled contest as a player, paying its fee in the Stripe-compatible server:
              ./run cpdev enter --contest CONTEST --player PLAYER [--lineup a1,a2,...]
            {{watchLine}}
            through the read API's onboarding link and the Stripe-compatible server's onboarding:
              ./run cpdev onboard --player PLAYER
            ./run cpctl contests list | alerts list | payouts list work against this stack too.
            """);
    }

    /// <summary>
    /// Until Ctrl-C or SIGTERM (0), or until a worker or the console exits by itself (1: the stack
    /// is no longer whole).
    /// </summary>
    private static async Task<int> KeepUpAsync(List<ChildProcess> workers, LocalConsole console, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var dead = workers.FirstOrDefault(w => w.HasExited);
                if (dead is not null)
                {
                    Console.Error.WriteLine(
                        $"{dead.Name} exited with code {dead.ExitCode}; see {dead.LogPath}. Stopping.");
                    return 1;
                }
                if (console.Process.HasExited)
                {
                    Console.Error.WriteLine(
                        $"the console exited with code {console.Process.ExitCode}; "
                            + $"see {console.Process.LogPath}. Stopping.");
                    return 1;
                }
                await Task.Delay(1000, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: everything stops below.
        }
        Console.WriteLine("stopping ...");
        return 0;
    }

    /// <summary>Removes the stack's description when up stops, so no tool finds a stack that is gone.</summary>
    private sealed class StackFileRemoval(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
