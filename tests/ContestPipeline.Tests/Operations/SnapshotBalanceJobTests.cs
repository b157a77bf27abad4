using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ContestPipeline.Operations;
using ContestPipeline.Operations.Balance;

namespace ContestPipeline.Tests.Operations;

/// <summary>
/// The balance monitor's job against the read model's real schema and the Stripe-compatible
/// server over HTTP, on a clock the test moves: each snapshot is kept with its level and trend,
/// and entering a level or a days-to-empty band raises its alert once.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class SnapshotBalanceJobTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2031, 5, 4, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_snapshot_keeps_its_level_and_trend_and_alerts_once_on_warning_and_on_running_out_within_a_week()
    {
        await using var database =
            await fixture.WorkerDatabaseAsync(OperationsWorker.Name, OperationsWorker.Definition.AllMigrations);
        var db = database.DataSource;
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 5 });
        // The last three days' snapshots: 7,000.00, 6,000.00 and 5,000.00, nothing owed.
        await using (var conn = await db.OpenConnectionAsync())
            foreach (var (days, balance, level) in new[] { (3, 7_000_00L, "low"), (2, 6_000_00L, "low"),
                (1, 5_000_00L, "low") })
                await conn.ExecuteAsync("""
                    INSERT INTO operations.balance_snapshots
                        (taken_at, currency, available_minor, pending_minor, obligations_minor, reserve_minor, status)
                    VALUES (@at, 'USD', @balance, 0, 0, 0, @level)
                    """, new { at = Now.AddDays(-days), balance, level });
        stripe.TopUp(4_000_00, "usd");
        var clock = new ManualClock(Now);

        var first = await SnapshotAsync(db, stripe, clock);
        Assert.Equal([("balance_warning", AlertSeverities.Warning), ("balance_runs_out", AlertSeverities.Warning)],
            first.Select(a => (a.Code, a.Severity)));
        Assert.Contains("runs out in 4 days at this rate", first[1].Message, StringComparison.Ordinal);
        Assert.Contains("falling 1000.00 USD a day", first[1].Message, StringComparison.Ordinal);
        Assert.Equal(("warning", -1_000_00L, (int?)4), await LatestAsync(db));

        // An hour later, nothing new: the same level and the same band are not alerted again.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await SnapshotAsync(db, stripe, clock));
        Assert.Equal(5, await CountAsync(db));

        // A top-up to 12,000.00: healthy, and rising; nothing to alert.
        stripe.TopUp(8_000_00, "usd");
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await SnapshotAsync(db, stripe, clock));
        var latest = await LatestAsync(db);
        Assert.Equal(("healthy", (int?)null), (latest.Status, latest.DaysToEmpty));
    }

    [Fact]
    public async Task A_balance_falling_more_than_a_thousand_a_day_is_alerted_once_however_much_is_left()
    {
        await using var database =
            await fixture.WorkerDatabaseAsync(OperationsWorker.Name, OperationsWorker.Definition.AllMigrations);
        var db = database.DataSource;
        await using var stripe = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Seed = 6 });
        // 204,500.00, 203,000.00 and 201,500.00 over the last three days: falling 1,500.00 a day, months from empty.
        await using (var conn = await db.OpenConnectionAsync())
            foreach (var (days, balance) in new[] { (3, 204_500_00L), (2, 203_000_00L), (1, 201_500_00L) })
                await conn.ExecuteAsync("""
                    INSERT INTO operations.balance_snapshots
                        (taken_at, currency, available_minor, pending_minor, obligations_minor, reserve_minor, status)
                    VALUES (@at, 'USD', @balance, 0, 0, 0, 'healthy')
                    """, new { at = Now.AddDays(-days), balance });
        stripe.TopUp(200_000_00, "usd");
        var clock = new ManualClock(Now);

        var first = await SnapshotAsync(db, stripe, clock);
        var declining = Assert.Single(first);
        Assert.Equal(("balance_declining", AlertSeverities.Warning), (declining.Code, declining.Severity));
        Assert.Contains("falling 1500.00 USD a day", declining.Message, StringComparison.Ordinal);
        Assert.Equal(("healthy", -1_500_00L, (int?)133), await LatestAsync(db));

        // Still falling an hour later: told once, not again.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await SnapshotAsync(db, stripe, clock));
    }

    /// <summary>Runs the job once at the clock's time and returns the alerts it put in the outbox.</summary>
    private static async Task<List<AlertRaised>> SnapshotAsync(NpgsqlDataSource db, StripeEmulator stripe,
        ManualClock clock)
    {
        await using var conn = await db.OpenConnectionAsync();
        var before = await conn.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM operations.outbox");
        using var client = new StripeApi(new StripeSettings { SecretKey = stripe.ApiKey, BaseAddress = stripe.BaseUrl },
            clock, NullLogger<StripeApi>.Instance);
        var job = new SnapshotBalanceJob(client, new OperationsOptions(), new CrashPoints(null),
            NullLogger<SnapshotBalanceJob>.Instance);
        await job.RunAsync(new JobContext(db, new OutboxStore(OperationsWorker.Name), clock), CancellationToken.None);
        var payloads = await conn.QueryAsync<byte[]>(
            "SELECT payload FROM operations.outbox WHERE id > @before AND message_type = @type ORDER BY id",
            new { before, type = AlertRaised.MessageType });
        return [.. payloads.Select(p => JsonSerializer.Deserialize<AlertRaised>(p, OutgoingMessage.Json)!)];
    }

    private static async Task<(string Status, long? ChangePerDay, int? DaysToEmpty)> LatestAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QueryFirstAsync<(string, long?, int?)>(
            "SELECT status, change_per_day_minor, days_to_empty FROM operations.balance_snapshots " +
            "ORDER BY taken_at DESC LIMIT 1");
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM operations.balance_snapshots");
    }
}
