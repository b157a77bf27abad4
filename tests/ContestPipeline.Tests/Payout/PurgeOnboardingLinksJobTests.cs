using ContestPipeline.Payout;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Payout's purge of the platform's onboarding-link requests, against Payout's real schema on a clock the test
/// moves: a request older than the retention (7 days by default) goes, answered or not; a younger one stays; a large
/// backlog goes a batch per transaction.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class PurgeOnboardingLinksJobTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2031, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task
        Onboarding_link_requests_older_than_the_retention_are_deleted_answered_or_not_and_younger_ones_kept()
    {
        await using var database = await fixture.WorkerDatabaseAsync(PayoutWorker.Name,
            PayoutWorker.Definition.AllMigrations);
        var db = database.DataSource;
        await AddAsync(db, "old-link", TimeSpan.FromDays(8), answered: true);
        await AddAsync(db, "old-waiting", TimeSpan.FromDays(8), answered: false);
        await AddAsync(db, "six-days", TimeSpan.FromDays(6), answered: true);
        await AddAsync(db, "just-seven", TimeSpan.FromDays(7), answered: true);   // exactly the retention: kept
        await AddAsync(db, "fresh", TimeSpan.FromMinutes(1), answered: false);
        var clock = new ManualClock(Now);
        var job = new PurgeOnboardingLinksJob(new PayoutOptions());

        Assert.False(
            await job.RunAsync(new JobContext(db, new OutboxStore(PayoutWorker.Name), clock), CancellationToken.None));
        Assert.Equal(["fresh", "just-seven", "six-days"], await RemainingAsync(db));

        // A day and a second later, the six-day-old and the seven-day-old ones are past it too.
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        await job.RunAsync(new JobContext(db, new OutboxStore(PayoutWorker.Name), clock), CancellationToken.None);
        Assert.Equal(["fresh"], await RemainingAsync(db));

        // A backlog larger than a batch: the first run says there is more, the next one finishes it.
        await using (var conn = await db.OpenConnectionAsync())
            await conn.ExecuteAsync("""
                INSERT INTO payout.onboarding_link_requests (request_id, player_id, requested_at)
                SELECT 'backlog-' || i, 'p' || (i % 50), @at FROM generate_series(1, @n) i
                """,
                new { at = clock.GetUtcNow() - TimeSpan.FromDays(30), n = PurgeOnboardingLinksJob.BatchSize + 200 });
        Assert.True(
            await job.RunAsync(new JobContext(db, new OutboxStore(PayoutWorker.Name), clock), CancellationToken.None));
        Assert.False(
            await job.RunAsync(new JobContext(db, new OutboxStore(PayoutWorker.Name), clock), CancellationToken.None));
        Assert.Equal(["fresh"], await RemainingAsync(db));
    }

    [Fact]
    public void The_retention_is_a_setting_of_at_least_a_day()
    {
        Assert.Equal(TimeSpan.FromDays(7), PayoutOptions.Read(null).OnboardingLinkRetention);
        Assert.Equal(TimeSpan.FromDays(2), PayoutOptions.Read(Settings("172800")).OnboardingLinkRetention);
        var e = Assert.Throws<StartupException>(() => PayoutOptions.Read(Settings("3600")));
        Assert.Contains(PayoutOptions.Settings.OnboardingLinkRetentionSeconds, e.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(string seconds) => new ConfigurationBuilder().AddInMemoryCollection(
        new Dictionary<string, string?> { [PayoutOptions.Settings.OnboardingLinkRetentionSeconds] = seconds }).Build();

    private static async Task AddAsync(NpgsqlDataSource db, string id, TimeSpan age, bool answered)
    {
        await using var conn = await db.OpenConnectionAsync();
        var at = Now - age;
        await conn.ExecuteAsync("""
            INSERT INTO payout.onboarding_link_requests
                (request_id, player_id, requested_at, outcome, reason, answered_at)
            VALUES (@id, 'cy', @at, @outcome, @reason, @answeredAt)
            """, new
        {
            id, at, outcome = answered ? "unknown" : null, reason = answered ? "no account" : null,
            answeredAt = answered ? at.AddSeconds(1) : (DateTimeOffset?)null,
        });
    }

    private static async Task<List<string>> RemainingAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        return [.. await conn.QueryAsync<string>(
            "SELECT request_id FROM payout.onboarding_link_requests ORDER BY request_id")];
    }
}
