using ContestPipeline.Ingestion;
using ContestPipeline.Ingestion.Entries;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// What a decision round counts as waiting, against Ingestion's real schema: whatever was made before the round's
/// last pending submission and is not in the round, also one whose payment became known after the round was
/// chosen (or that another transaction held), so a later submission never takes a full contest's place from it.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class DecisionWaitingTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2031, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_submission_whose_payment_became_known_after_the_round_was_chosen_still_counts_as_waiting()
    {
        await using var database =
            await fixture.WorkerDatabaseAsync(IngestionWorker.Name, IngestionWorker.Definition.AllMigrations);
        var db = database.DataSource;
        await using var conn = await db.OpenConnectionAsync();
        // ben, cat and dan submitted in that order for the last two places; dan's payment was known when the
        // round chose its pending (dan alone), cat's became known just after, ben's is still unknown. A
        // submission made at dan's instant with a later id and a known payment is the next round's.
        foreach (var (player, ms) in new[] { ("ben", 10), ("cat", 11), ("dan", 12), ("eve", 12) })
            await conn.ExecuteAsync("""
                INSERT INTO ingestion.submissions (submission_id, contest_id, player_id, payment_intent_id,
                    submitted_at, broker_at, received_at, message_id, correlation_id, fetch_after)
                VALUES (@id, 'two-places', @player, @pi, @at, @at, @at, @id, @id, @at)
                """, new { id = "tp-" + player, player, pi = "pi_" + player, at = T0.AddMilliseconds(ms) });
        foreach (var player in new[] { "cat", "dan", "eve" })
            await conn.ExecuteAsync("""
                INSERT INTO ingestion.payments (payment_intent_id, known, status, source, updated_at)
                VALUES (@pi, true, 'succeeded', 'event', @at)
                """, new { pi = "pi_" + player, at = T0 });
        var pending = new[] { Pending("dan", 12) };

        await using var tx = await conn.BeginTransactionAsync();
        var context = new TransactionContext(conn, tx, new ManualClock(T0));
        var everyone = await SubmissionStore.WaitingAsync(context, "two-places", pending, everyPlayer: true, limit: 10);
        var dansOwn = await SubmissionStore.WaitingAsync(context, "two-places", pending, everyPlayer: false, limit: 10);

        Assert.Equal(["tp-ben", "tp-cat"], everyone.Select(w => w.SubmissionId));
        Assert.Empty(dansOwn);
    }

    private static SubmissionStore.Pending Pending(string player, int ms) => new()
    {
        SubmissionId = "tp-" + player, ContestId = "two-places", PlayerId = player, PaymentIntentId = "pi_" + player,
        SubmittedAtUtc = T0.AddMilliseconds(ms).UtcDateTime, BrokerAtUtc = T0.AddMilliseconds(ms).UtcDateTime,
    };
}
