using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// One transaction with a handler's powers (the outbox, after-commit actions) for work that
/// is not a consumed message: a job's run, or recording a Stripe call's result, where the call
/// itself must happen between two transactions.
/// </summary>
public static class UnitOfWork
{
    public static async Task<T> RunAsync<T>(NpgsqlDataSource dataSource, OutboxStore outbox, TimeProvider clock,
        string what, Func<TransactionContext, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(work);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        TransactionContext context;
        T result;
        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            context = new TransactionContext(conn, tx, clock);
            result = await work(context);
            await outbox.AddAsync(conn, tx, context.Outgoing, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (ErrorPolicy.ConnectionLost(conn, e))
        {
            throw new DatabaseConnectionLostException(e);
        }
        try
        {
            context.RunCommitted();
        }
        catch (Exception e)
        {
            throw new InvariantViolatedException($"{what}: an after-commit action failed", e);
        }
        return result;
    }
}
