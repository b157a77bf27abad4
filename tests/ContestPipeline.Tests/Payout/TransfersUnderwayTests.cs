using ContestPipeline.Payout;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// What the reads of winners' accounts give way to, against Payout's real schema: a prize transfer due, or claimed by
/// an instance and being sent (between two claims of a rush nothing is due, and reads made then took Stripe budget
/// from the prizes); not one paid, nor one whose next attempt is later.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class TransfersUnderwayTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2031, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_transfer_due_or_claimed_and_being_sent_is_underway_one_paid_or_backing_off_is_not()
    {
        await using var database = await fixture.WorkerDatabaseAsync(PayoutWorker.Name,
            PayoutWorker.Definition.AllMigrations);
        await using var conn = await database.DataSource.OpenConnectionAsync();
        Assert.False(await UnderwayAsync());

        await using (var tx = await conn.BeginTransactionAsync())
        {
            var context = new TransactionContext(conn, tx, new ManualClock(Now));
            await PayoutStore.InsertAsync(context, [Payout("po-1")], [Cause.Recorded("c1", "order-po-1")]);
            await tx.CommitAsync();
        }
        Assert.True(await UnderwayAsync());
        Assert.Equal(["USD"], await DueCurrenciesAsync());

        // Claimed by an instance and being sent: no longer due to a claim, still underway.
        await SetAsync("state = 'submitting', lease_until = @later");
        Assert.Empty(await DueCurrenciesAsync());
        Assert.True(await UnderwayAsync());

        await SetAsync("state = 'waiting', lease_until = NULL, next_attempt_at = @later");
        Assert.False(await UnderwayAsync());
        await SetAsync("state = 'paid', transfer_id = 'tr_1', next_attempt_at = @earlier");
        Assert.False(await UnderwayAsync());

        Task SetAsync(string set) => conn.ExecuteAsync($"UPDATE payout.payouts SET {set} WHERE payout_id = 'po-1'",
            new { later = Now.AddMinutes(5), earlier = Now.AddMinutes(-5) });

        async Task<T> InTransactionAsync<T>(Func<TransactionContext, Task<T>> read)
        {
            await using var tx = await conn.BeginTransactionAsync();
            return await read(new TransactionContext(conn, tx, new ManualClock(Now)));
        }

        Task<bool> UnderwayAsync() => InTransactionAsync(PayoutClaimStore.TransfersUnderwayAsync);
        Task<IReadOnlyList<string>> DueCurrenciesAsync() => InTransactionAsync(PayoutClaimStore.DueCurrenciesAsync);
    }

    private static PayoutRow Payout(string id) => new()
    {
        PayoutId = id, ContestId = "c1", EntryId = "e-" + id, PlayerId = "ann", AmountMinor = 1_000,
        Currency = "USD", State = PayoutState.Waiting, Reason = "ordered", Version = 1,
        NextAttemptAt = Now.AddMinutes(-1), OrderedAt = Now.AddMinutes(-1),
    };
}
