using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Postgres going away under the messaging core, on the real database and broker: a session it
/// ends (57P01, as a restart ends every session), and whatever the work meets next on the dead
/// connection, is an outage wherever it surfaces — a consumed batch, a job, the loading of a
/// partition's state during a rebalance — waited out and retried, never a bug that stops the worker.
/// Restarting the cluster itself is the fault campaign's (the suite shares one cluster).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DatabaseOutageTests(PipelineFixture fixture)
{
    [Fact]
    public async Task
        A_session_Postgres_ends_under_a_batch_is_waited_out_and_every_message_applies_once_without_a_bug_alert()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 1);
        var messages = Enumerable.Range(1, 6).Select(i => TestEvent.Message(stage.Topic,
            new TestEvent("k", i, i == 3 ? TestEvent.LosesConnectionOnce : null))).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(6, await stage.Relay().PublishBatchAsync(CancellationToken.None));

        var running = stage.Start(stage.Consumer().RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 6, "every message applied");
        await running.StopAsync();

        Assert.Equal([1, 2, 3, 4, 5, 6], (await stage.AppliedAsync()).Select(a => a.Seq));
        Assert.Equal(2, stage.Effects.AttemptsOf(messages[2].OutboxId));
        Assert.Equal(0, await AlertsAsync(stage.Schema));
    }

    [Fact]
    public async Task A_job_whose_session_Postgres_ends_runs_again_and_the_worker_does_not_stop()
    {
        var schema = await fixture.NewSchemaAsync();
        var job = new LosesConnectionOnceJob(schema);
        var runner = new JobRunner(fixture.DataSource, schema, job, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => runner.RunAsync(stop.Token));

        await Eventually.UntilAsync(() => job.Committed, "the job's run committed after the lost connection");
        await stop.CancelAsync();
        await running;

        Assert.True(job.Runs >= 2);
        Assert.Equal(0, await AlertsAsync(schema));
    }

    [Fact]
    public async Task
        Partitions_assigned_while_Postgres_ends_the_owners_session_are_loaded_before_any_of_their_messages()
    {
        await using var stage = await Stage.CreateAsync(fixture, partitions: 2);
        var messages = Enumerable.Range(1, 8)
            .Select(i => TestEvent.Message(stage.Topic, new TestEvent($"k{i % 2}", i))).ToList();
        await stage.EnqueueAsync(messages);
        Assert.Equal(8, await stage.Relay().PublishBatchAsync(CancellationToken.None));

        var owner = new LosesConnectionOnceOwner(fixture.DataSource, stage.Effects);
        var running = stage.Start(stage.Consumer(partitionOwner: owner).RunAsync);
        await Eventually.UntilAsync(async () => (await stage.AppliedAsync()).Count >= 8, "every message applied");
        await running.StopAsync();

        // The first load met Postgres ending its session inside the rebalance callback; the loop
        // loaded again, and only then handled a message.
        Assert.IsType<PostgresException>(owner.FirstFailure);
        Assert.Equal(PostgresErrorCodes.AdminShutdown, ((PostgresException)owner.FirstFailure!).SqlState);
        Assert.True(owner.Loads >= 1);
        Assert.Equal(0, owner.AttemptsBeforeFirstLoad);
        Assert.Equal(8, (await stage.AppliedAsync()).Count);
        Assert.Equal(0, await AlertsAsync(stage.Schema));
    }

    private async Task<long> AlertsAsync(string schema)
    {
        await using var conn = await fixture.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.outbox WHERE topic = @alerts",
            new { alerts = Topics.Alerts });
    }

    /// <summary>Its first run loses its connection mid-transaction; the next writes a row and commits.</summary>
    private sealed class LosesConnectionOnceJob(string schema) : IJob
    {
        public int Runs { get; private set; }
        public bool Committed { get; private set; }
        public string Name => "loses-connection-once";
        public TimeSpan Interval => TimeSpan.FromMilliseconds(50);

        public async Task<bool> RunAsync(JobContext job, CancellationToken ct)
        {
            if (Committed) return false;
            await job.InTransactionAsync(Name, async c =>
            {
                if (++Runs == 1) await TestEffects.LoseConnectionAsync(c);
                await c.Connection.ExecuteAsync($"INSERT INTO {schema}.effects (message_id, msg_key, seq) VALUES " +
                    "('job', 'job', 1)", transaction: c.Transaction);
                return true;
            }, ct);
            Committed = true;
            return false;
        }
    }

    /// <summary>
    /// Loads its partitions from the database; the first time, Postgres ends its session under the load.
    /// </summary>
    private sealed class LosesConnectionOnceOwner(NpgsqlDataSource dataSource, TestEffects effects) : IPartitionOwner
    {
        public Exception? FirstFailure { get; private set; }
        public int Loads { get; private set; }
        public int AttemptsBeforeFirstLoad { get; private set; } = -1;

        public void Assigned(IReadOnlyList<(string Topic, int Partition)> partitions)
        {
            using var conn = dataSource.OpenConnection();
            try
            {
                if (FirstFailure is null)
                {
                    using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pg_backend_pid())", conn);
                    terminate.ExecuteNonQuery();
                }
                using var load = new NpgsqlCommand("SELECT 1", conn);
                load.ExecuteNonQuery();
            }
            catch (Exception e) when (FirstFailure is null)
            {
                FirstFailure = e;
                throw;
            }
            if (Loads++ == 0) AttemptsBeforeFirstLoad = effects.Attempts;
        }

        public void Revoked(IReadOnlyList<(string Topic, int Partition)> partitions)
        {
        }
    }
}
