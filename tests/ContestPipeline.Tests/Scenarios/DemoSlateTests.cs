using ContestPipeline.Local.Bench;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The main job's slate, on a deployment of its own: every worker as a process, the webhook
/// receiver, the Stripe-compatible server. The slate checks invariants 1, 2, 3 and 5 against
/// Stripe's own records and the ledger; any failed check fails the test with its text.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DemoSlateTests(PipelineFixture fixture)
{
    [Fact]
    public async Task The_demo_slate_runs_from_feed_to_PAID_with_every_check_holding()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture, 1121);
        await using var webhooks = await LocalWebhooks.StartAsync(run.Iso.Broker.BootstrapServers, run.Stripe);
        foreach (var worker in new[] { "ingestion", "scoring", "settlement", "payout" }) run.StartWorker(worker, env: ContestSlate.PayoutEnvironment);
        var slate = new ContestSlate(run.World, run.Iso.DataSource, new PipelineSettings(run.Iso.PostgresConnectionString, run.Iso.Broker.BootstrapServers));

        var ok = await slate.RunAsync(CancellationToken.None);

        Assert.True(ok && slate.Problems.Count == 0, "failed checks: " + string.Join(" | ", slate.Problems));
    }
}
