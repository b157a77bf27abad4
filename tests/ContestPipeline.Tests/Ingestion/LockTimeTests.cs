using System.Text.Json;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts;
using ContestPipeline.Ingestion;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.Stripe;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// Entries close by the injected clock, not the machine's: the job that locks contests runs
/// against Ingestion's real schema with a clock the test moves by hand.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class LockTimeTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset LockAt = new(2031, 3, 9, 18, 0, 0, TimeSpan.Zero);
    private static readonly IngestionOptions Options = new();

    [Fact]
    public async Task Entries_close_exactly_at_lock_time_on_the_injected_clock_and_only_once()
    {
        await using var database =
            await fixture.WorkerDatabaseAsync(IngestionWorker.Name, IngestionWorker.Definition.AllMigrations);
        var dataSource = database.DataSource;
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                INSERT INTO ingestion.contests
                    (contest_id, definition, definition_hash, lock_at, entry_fee_minor, currency, status, accepted_at)
                VALUES ('early', '{}', 'h1', @lockAt, 500, 'USD', 'open', @accepted),
                       ('later', '{}', 'h2', @later, 500, 'USD', 'open', @accepted)
                """, new { lockAt = LockAt, later = LockAt.AddHours(1), accepted = LockAt.AddDays(-1) });
        }

        // The machine's clock is years before lock time; only the injected one counts. Entries
        // close at lockAt + the allowed skew (a record may reach the broker that late and count).
        var clock = new ManualClock(LockAt + Options.LockSkew - TimeSpan.FromTicks(1));
        Assert.Empty(await RunJobAsync(dataSource, clock));
        Assert.Equal(["open", "open"], await StatusesAsync(dataSource));

        clock.Advance(TimeSpan.FromTicks(1));
        var published = await RunJobAsync(dataSource, clock);
        var message = Assert.Single(published);
        Assert.Equal(Topics.ContestLifecycle, message.Topic);
        Assert.Equal(EntriesClosed.MessageType, message.MessageType);
        var closed = JsonSerializer.Deserialize<EntriesClosed>(message.Payload!, OutgoingMessage.Json)!;
        Assert.Equal(("early", 0, LockAt + Options.LockSkew), (closed.ContestId, closed.EntryCount, closed.ClosedAt));
        Assert.Equal(["closed", "open"], await StatusesAsync(dataSource));

        // Run again at the same instant: nothing is closed twice.
        Assert.Empty(await RunJobAsync(dataSource, clock));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("later", JsonSerializer.Deserialize<EntriesClosed>(
            Assert.Single(await RunJobAsync(dataSource, clock)).Payload!, OutgoingMessage.Json)!.ContestId);
    }

    /// <summary>Runs the job once, as its runner would, and returns what it put in the outbox.</summary>
    private static async Task<IReadOnlyList<OutgoingMessage>> RunJobAsync(NpgsqlDataSource dataSource,
        TimeProvider clock)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        var before = await conn.ExecuteScalarAsync<long>("SELECT coalesce(max(id), 0) FROM ingestion.outbox");
        await new CloseEntriesJob(Options)
            .RunAsync(new JobContext(dataSource, new OutboxStore(IngestionWorker.Name), clock), CancellationToken.None);
        var rows = await conn.QueryAsync<(string MessageId, string Topic, byte[]? Key, string Type, byte[]? Payload,
            byte[] Headers)>(
            "SELECT message_id, topic, message_key, message_type, payload, header_bytes FROM ingestion.outbox WHERE " +
                "id > @before ORDER BY id",
            new { before });
        return [.. rows.Select(r => new OutgoingMessage(
            r.MessageId, r.Topic, r.Key, r.Type, r.Payload, OutboxHeaders.Read(r.Headers, r.MessageId, r.Type)))];
    }

    private static async Task<List<string>> StatusesAsync(NpgsqlDataSource dataSource)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<string>("SELECT status FROM ingestion.contests ORDER BY contest_id")];
    }
}
