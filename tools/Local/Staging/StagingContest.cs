using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Staging;

/// <summary>
/// The staging run's contest and what its operator does: define it with cpctl, read the console, check the ledger.
/// </summary>
public sealed partial class StagingRun
{
    private static readonly IReadOnlyList<ScoringRule> Rules = [new("passing_yards", 40), new("rushing_yards", 100),
        new("receiving_yards", 100), new("receptions", 500)];

    private static readonly Dictionary<string, string[]> Lineups = new(StringComparer.Ordinal)
    {
        ["ana"] = ["qb1", "rb1"], ["ben"] = ["qb1", "wr1"], ["cai"] = ["rb1", "wr1"], ["dee"] = ["te1", "wr1"],
    };

    /// <summary>
    /// A fantasy contest as an operator defines it (cpctl contests define, as compose's cpctl
    /// service), four paid entries through the entry API and Stripe's events, the provider's feed
    /// to the final whistle, and the pipeline to PAID: top three paid through Stripe.
    /// </summary>
    private async Task RunContestAsync(LocalSwaps swaps, OutsideWorld world, string pg, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(pg);
        foreach (var player in Players) await world.SignUpForPayoutsAsync(player);
        world.Schedule(Game, 1, DateTimeOffset.UtcNow.AddMinutes(10), "qb1", "rb1", "wr1", "te1");
        await WaitAsync(db, "SELECT count(*) FROM ingestion.games WHERE game_id = @Game AND status <> 'unknown'", 1,
            "the feed's game to be scheduled", 60, ct);
        var lockAt = DateTimeOffset.UtcNow.AddSeconds(30);
        var definition = new ContestDefined(ContestId, "Staging Sunday", ContestKinds.Fantasy, "USD", Fee, 2, 100, 1,
            lockAt, [Game], Rules, 2,
            new PrizeTable(PrizeTableKinds.TopThreeWeighted), new PoolRule(PoolModes.Rake, RakeBp: 1_000), 300);
        var file = Path.Combine(runDirectory, "contest.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(definition, OutgoingMessage.Json), ct);
        var (code, output) = await CpctlAsync(swaps, ["contests", "define", file, "--operator", "staging-operator"],
            ct);
        Check(code == 0,
            $"an operator defined {ContestId} with cpctl contests define (exit {code}: {string.Join(" / ", output)})");
        await WaitForReadModelAsync(db, "SCHEDULED", 60, ct);
        foreach (var (player, lineup) in Lineups)
            world.Submit(new EntrySubmitted($"sub-{player}", ContestId, player, world.Pay(ContestId, player, Fee),
                lineup));
        await WaitForReadModelAsync(db, "LOCKED", 90, ct);
        world.Start(Game, 2);
        world.Stat(Game, 3, "qb1", "passing_yards", 300);
        world.Stat(Game, 4, "rb1", "rushing_yards", 90);
        world.Stat(Game, 5, "wr1", "receiving_yards", 70);
        world.Stat(Game, 6, "te1", "receptions", 3);
        world.End(Game, 7);
        await WaitForReadModelAsync(db, "PAID", 180, ct);
        var transfers = world.Stripe.Ledger().Transfers.Count(t => t.TransferGroup == ContestId);
        Check(transfers == 3, $"{ContestId} PAID: {transfers} prize transfers made through Stripe, one per paid place");
    }

    /// <summary>An operator reads the console (signed in) and checks the ledger with cpctl.</summary>
    private async Task OperatorReadsAsync(LocalSwaps swaps, CancellationToken ct)
    {
        var console = _console!;
        var viewer = console.SignIns.First(s => s.Role == Contracts.Operations.OperatorRoles.Viewer);
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = console.Url, Timeout = TimeSpan.FromSeconds(30) };
        var form = await http.GetStringAsync("/signin", ct);
        var token = Csrf().Match(form).Groups["token"].Value;
        using var signIn = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = viewer.Name, ["password"] = viewer.Password, ["__csrf"] = WebUtility.HtmlDecode(token),
                ["returnUrl"] = "/",
        }), ct);
        Check(signIn.StatusCode == HttpStatusCode.Redirect,
            $"operator {viewer.Name} signed in to the console ({(int)signIn.StatusCode})");
        var page = await http.GetStringAsync($"/contests/{ContestId}", ct);
        Check(page.Contains("PAID", StringComparison.Ordinal),
            $"the console, read as the read-only role, shows {ContestId} PAID to the signed-in operator");
        var (code, output) = await CpctlAsync(swaps, ["ledger", "check"], ct);
        Check(code == 0 && output.Any(l => l.StartsWith("ledger holds", StringComparison.Ordinal)),
            $"an operator's cpctl ledger check holds: {string.Join(" / ", output)}");
    }

    /// <summary>cpctl as compose's cpctl service runs it: the read-only role, the operator's key.</summary>
    private async Task<(int Code, List<string> Output)> CpctlAsync(LocalSwaps swaps, string[] arguments,
        CancellationToken ct)
    {
        var spec = LocalServices.Prepare(Services.Cpctl, swaps, label: "cpctl-" + Guid.NewGuid()
            .ToString("N")[..8]) with { Arguments = arguments };
        var output = new List<string>();
        await using var process = LocalServices.Start(spec, Path.Combine(runDirectory, "cpctl.log"), line =>
        {
            lock (output) output.Add(line);
        });
        await process.WaitForExitAsync(ct);
        lock (output) return (process.ExitCode, [.. output.Where(l => l.Length > 0)]);
    }

    private async Task WaitForReadModelAsync(NpgsqlDataSource db, string state, int seconds, CancellationToken ct)
    {
        await WaitAsync(db, "SELECT count(*) FROM operations.contests WHERE contest_id = @ContestId AND state = @State",
            1,
            $"{ContestId} {state} in the read model", seconds, ct, state);
        Step($"{ContestId} {state} (the read model, written by the operations service as " +
            $"{Services.Operations.DatabaseRole})");
    }

    private async Task WaitAsync(NpgsqlDataSource db, string sql, long expected, string what, int seconds,
        CancellationToken ct, string? state = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            await ReviveAsync();
            await using var conn = await db.OpenConnectionAsync(ct);
            if (await conn.ExecuteScalarAsync<long>(sql, new { Game, ContestId, State = state }) == expected) return;
            await Task.Delay(250, ct);
        }
        throw new TimeoutException($"{what}: not within {seconds} s (logs in {runDirectory})");
    }

    [GeneratedRegex(@"name=""__csrf"" value=""(?<token>[^""]+)""")]
    private static partial Regex Csrf();
}
