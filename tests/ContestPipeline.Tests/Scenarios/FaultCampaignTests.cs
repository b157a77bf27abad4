using ContestPipeline.Local.Campaign;
using ContestPipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// A short fault campaign in CI: a few contests through every worker process while workers
/// are killed and restarted (some at crash points), brokers fail, leaders move and Stripe
/// answers 429, 500 and drops answers to requests it applied, and forged prize orders land on
/// payouts.due. Every invariant must hold, and no forged order is paid.
/// Postgres is not restarted here (the suite's own connections share the cluster); the
/// command does restart it.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class FaultCampaignTests(PipelineFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_campaign_under_kills_and_broker_and_Stripe_faults_keeps_every_invariant()
    {
        var lines = new List<string>();
        var database = "contestpipeline_campaign_" + Environment.ProcessId;
        CampaignResult result;
        try
        {
            result = await new FaultCampaign(new CampaignOptions
            {
                Contests = 4, EntriesPerContest = 4, Players = 12, Seed = 4242,
                KillEvery = TimeSpan.FromSeconds(3), BrokerFaultEvery = TimeSpan.FromSeconds(6), StripeFaultEvery = TimeSpan.FromMilliseconds(700),
                RestartPostgres = false, Timeout = TimeSpan.FromMinutes(4),
                AdminConnectionString = fixture.AdminConnectionString, Database = database,
                RunDirectory = Path.Combine(fixture.WorkDirectory, "campaign"),
                Log = line => { lock (lines) lines.Add(line); },
            }).RunAsync(CancellationToken.None);
        }
        finally
        {
            await using var admin = new Npgsql.NpgsqlConnection(fixture.AdminConnectionString);
            await admin.OpenAsync();
            try { await Dapper.SqlMapper.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)"); }
            catch (Npgsql.PostgresException) { /* best effort: the next run drops it first */ }
        }
        foreach (var line in lines) output.WriteLine(line);
        output.WriteLine(result.Figures);

        Assert.True(result.Passed, result.Figures + " | " + string.Join(" | ", result.Problems));
        Assert.True(result.WorkerKills > 0 && result.StripeFaults > 0 && result.BrokerFaults > 0, "faults were injected: " + result.Figures);
        Assert.True(result.TransfersExpected > 0, "prizes were paid under fire: " + result.Figures);
        // Forged orders of every kind (unsigned, wrong key, wrong producer, replayed onto another contest) were all refused, none paid.
        Assert.True(result.ForgedSent >= 4 && result.ForgedRefused == result.ForgedSent && result.ForgedPaid == 0, "forged orders: " + result.Figures);
    }
}
