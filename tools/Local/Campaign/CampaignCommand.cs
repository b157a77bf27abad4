using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Campaign;

/// <summary>cpdev campaign: the fault campaign; prints one line of figures and exits non-zero when an invariant
/// fails.</summary>
public static class CampaignCommand
{
    public static async Task<int> RunAsync(int contests, int entries, int players, int? seed, int minutes,
        bool restartPostgres, int instances, bool restorePayout, CancellationToken ct)
    {
        var adminPg = await ToolStartup.PostgresAsync("campaign");
        if (adminPg is null) return PipelineWorker.ExitStartupFailed;
        var options = new CampaignOptions
        {
            Contests = contests, EntriesPerContest = entries, Players = Math.Max(players, entries),
            RestartPostgres = restartPostgres, Instances = instances, RestorePayout = restorePayout,
            Timeout = TimeSpan.FromMinutes(minutes), AdminConnectionString = adminPg,
            RunDirectory = Path.Combine(RepoPaths.RunDirectory, "campaign-"
                + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (seed is { } s) options = options with { Seed = s };
        var result = await new FaultCampaign(options).RunAsync(ct);
        Console.WriteLine();
        Console.WriteLine(result.Figures);
        if (result.Passed)
        {
            Console.WriteLine("every invariant holds");
            return 0;
        }
        foreach (var p in result.Problems) Console.WriteLine("FAILED: " + p);
        Console.WriteLine($"replay this run with: cpdev campaign --seed {result.Seed} --contests {contests} "
            + $"--entries {entries} --players {players} --instances {instances}"
            + (restorePayout ? "" : " --no-restore"));
        return 1;
    }
}
