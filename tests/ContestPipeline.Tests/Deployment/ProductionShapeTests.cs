using System.Collections.Concurrent;
using ContestPipeline.Local.Staging;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Deployment;

/// <summary>
/// The production shape, run: the stack brought up from the deployment's definition in the
/// staging environment (the topics and migrate jobs, every service of the image with its compose
/// identity, every health check answered), one contest from an operator's definition through the
/// feed to PAID, the console read by a signed-in operator, the ledger checked with cpctl, and every
/// process stopped cleanly by SIGTERM. The same run as ./run staging.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ProductionShapeTests(PipelineFixture fixture)
{
    [Fact]
    public async Task The_stack_from_its_definition_runs_a_contest_to_PAID_in_staging_and_stops_on_SIGTERM()
    {
        var lines = new ConcurrentQueue<string>();
        var run = new StagingRun(fixture.AdminConnectionString, Path.Combine(fixture.WorkDirectory, "staging-"
            + Guid.NewGuid().ToString("N")[..8]), lines.Enqueue);

        var ok = await run.RunAsync(CancellationToken.None);

        Assert.True(ok && run.Problems.Count == 0, string.Join("\n", lines));
    }
}
