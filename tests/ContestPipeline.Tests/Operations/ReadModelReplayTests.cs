using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Processes;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using ContestPipeline.Cpctl.Contests;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Operations;
using ContestPipeline.Operations.Queries.Audit;

namespace ContestPipeline.Tests.Operations;

/// <summary>
/// The operations read model through the real pipeline: a contest from definition to PAID with a
/// prize that needs two approvers, read into the model; then the model's schema is dropped, its
/// consumer groups rewound to the beginning, and the worker rebuilds it from the topics alone:
/// every table reads the same afterwards, row for row.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ReadModelReplayTests
{
    [Fact]
    public async Task
        The_read_model_rebuilt_from_the_topics_is_identical_and_a_large_release_needs_two_different_approvers()
    {
        await using var stack = await OperationsStack.StartAsync("replay");
        stack.StartWorkers();
        await stack.RunContestToSettledAsync("sunday");
        var held = await HeldPayoutAsync(stack);

        // One approver's release is recorded as the first of two; the same approver again adds nothing.
        await ReleaseAsync(stack, held, "ann", "checked the winner's history");
        await stack.WaitAsync(async () => await stack.ScalarAsync<int>(
            "SELECT approvals FROM operations.payouts WHERE payout_id = @held", new { held }) == 1,
            "the first approval in the read model");
        await ReleaseAsync(stack, held, "ann", "again, by the same person");
        await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.money_history WHERE subject_id = @held AND event = 'release_approved'",
            new { held }) == 2, "the second approval seen");
        Assert.Equal("held",
            await stack.ScalarAsync<string>("SELECT state FROM payout.payouts WHERE payout_id = @held", new { held }));
        await ReleaseAsync(stack, held, "bob", "agreed");
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync("sunday") == "PAID",
            "sunday PAID in the read model", 120);

        var alert =
            await stack.ScalarAsync<string>("SELECT alert_id FROM operations.alerts WHERE code = 'payout_held_review'");
        Assert.NotNull(alert);
        stack.World.Publish(Topics.Operations, alert!, AlertAcknowledged.MessageType,
            AlertAcknowledged.MessageIdFor("ack1"),
            new AlertAcknowledged("ack1", alert!, "ann", "on it", DateTimeOffset.UtcNow));
        await stack.WaitAsync(async () => await stack.ScalarAsync<string>(
            "SELECT state FROM operations.alerts WHERE alert_id = @alert", new { alert }) == "acknowledged",
            "the alert acknowledged");

        await WaitForReadToEndAsync(stack);
        var before = await SnapshotAsync(stack);
        Assert.Contains(before["contest_events"], r => r.Contains("SETTLED → PAID", StringComparison.Ordinal));
        Assert.Contains(before["money_history"], r => r.Contains("release_approved", StringComparison.Ordinal)
            && r.Contains("bob", StringComparison.Ordinal));
        Assert.True(before["payouts"].Count >= 4);

        await stack.StopWorkerAsync(OperationsWorker.Name);
        await using (var conn = await stack.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync("DROP SCHEMA operations CASCADE");
        // The migrate job makes the schema again, as in production: the read model never changes a schema itself.
        await LocalServices.MigrateAsync(stack.Swaps);
        // Its positions went with its schema: it reads every topic from the beginning again, no rewind needed.
        stack.StartWorkers(OperationsWorker.Name);
        await stack.WaitAsync(async () => await stack.ReadModelStateAsync("sunday") == "PAID",
            "sunday PAID again after the replay", 120);
        await WaitForReadToEndAsync(stack);

        var after = await SnapshotAsync(stack);
        foreach (var table in OperationsWorker.ReplayedTables)
            Assert.True(before[table].SequenceEqual(after[table]),
                $"operations.{table} differs after the replay:\nbefore:\n{string.Join("\n", before[table])}\n" +
                $"after:\n{string.Join("\n", after[table])}");

        // The audit export of the rebuilt model: its chain holds and its settlement recomputes; a line changed breaks
        // it.
        IReadOnlyList<string> lines;
        await using (var conn = await stack.DataSource.OpenConnectionAsync())
            lines = await AuditExportStore.LinesAsync(conn, "sunday", CancellationToken.None);
        Assert.Empty(AuditCommand.Verify(lines, out var summary));
        Assert.Contains("recomputed 4 prizes", summary);
        var tampered = lines.Select(l => l.Replace("\"netMinor\":2619", "\"netMinor\":2719", StringComparison.Ordinal))
            .ToList();
        Assert.NotEqual(lines, tampered);
        var problems = AuditCommand.Verify(tampered, out _);
        Assert.Contains(problems, p => p.Contains("the chain is broken", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("not what the settlement recomputes to", StringComparison.Ordinal));
    }

    private static async Task ReleaseAsync(OperationsStack stack, string payoutId, string @operator, string reason) =>
        await ReleaseAsync(stack, "sunday", payoutId, @operator, reason);

    /// <summary>A release as the console sends it: naming the hold and version the read model shows.</summary>
    internal static async Task ReleaseAsync(OperationsStack stack, string contestId, string payoutId, string @operator,
        string reason)
    {
        var args = new { payoutId };
        var hold = await stack.ScalarAsync<string>("SELECT CASE WHEN state = 'held' THEN hold_kind ELSE state END " +
            "FROM operations.payouts WHERE payout_id = @payoutId", args);
        var version =
            await stack.ScalarAsync<int>("SELECT version FROM operations.payouts WHERE payout_id = @payoutId", args);
        var id = Guid.NewGuid().ToString("N");
        stack.World.Publish(Topics.PayoutsDue, contestId, PayoutReviewDecided.MessageType,
            PayoutReviewDecided.MessageIdFor(id),
            new PayoutReviewDecided(id, payoutId, contestId, PayoutReviewDecided.Release, @operator, reason,
                DateTimeOffset.UtcNow, hold, version));
    }

    internal static async Task<string> HeldPayoutAsync(OperationsStack stack)
    {
        string? held = null;
        await stack.WaitAsync(async () => (held = await stack.ScalarAsync<string?>(
            "SELECT payout_id FROM operations.payouts WHERE state = 'held' AND hold_kind = 'review'")) is not null,
            "a payout held for review");
        return held!;
    }

    /// <summary>Every consumer group of the read model has read to the end of each of its topics.</summary>
    internal static Task WaitForReadToEndAsync(OperationsStack stack) =>
        stack.WaitAsync(() => Task.FromResult(OperationsWorker.Definition.Consumers.All(c =>
            c.Topics.All(t => PipelineFixture.Lag(stack.Broker.BootstrapServers, c.Consumer, t) == 0))),
            "the read model to read every topic to its end");

    private static async Task<Dictionary<string, List<string>>> SnapshotAsync(OperationsStack stack)
    {
        await using var conn = await stack.DataSource.OpenConnectionAsync();
        var result = new Dictionary<string, List<string>>();
        foreach (var table in OperationsWorker.ReplayedTables)
            result[table] = [.. await conn.QueryAsync<string>(
                $"SELECT t::text FROM operations.{table} t ORDER BY t::text COLLATE \"C\"")];
        return result;
    }
}
