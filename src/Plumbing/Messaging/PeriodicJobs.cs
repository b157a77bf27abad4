using ContestPipeline.Plumbing.Database;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Work driven by the clock rather than by a message (a contest reaching its lock time, a
/// feed gap expiring, live standings due). Each run happens in one transaction whose
/// outgoing messages go through the outbox, like a handler's.
/// </summary>
public interface IPeriodicJob
{
    string Name { get; }
    TimeSpan Interval { get; }
    Task RunAsync(HandlerContext context, CancellationToken ct);
}

/// <summary>Runs one periodic job until cancelled; a failed run is logged and retried at the next interval.</summary>
public sealed class PeriodicJobRunner(NpgsqlDataSource dataSource, string schema, IPeriodicJob job, TimeProvider clock, ILogger logger)
{
    private readonly Outbox _outbox = new(SqlNames.Identifier(schema));

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(ct);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (FatalWorkerException)
            {
                throw;
            }
            catch (Exception e)
            {
                failures++;
                logger.LogWarning("Periodic job {Job} failed ({Failures} in a row): {Error}", job.Name, failures, e.Message);
            }
            try { await Task.Delay(job.Interval, clock, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    public Task RunOnceAsync(CancellationToken ct) =>
        UnitOfWork.RunAsync(dataSource, _outbox, clock, "periodic job " + job.Name, async context =>
        {
            await job.RunAsync(context, ct);
            return true;
        }, ct);
}

/// <summary>
/// One transaction with a handler's powers (the outbox, after-commit actions) for work that
/// is neither a message nor a periodic job: e.g. recording a Stripe call's result, where the
/// call itself must happen between two transactions.
/// </summary>
public static class UnitOfWork
{
    public static async Task<T> RunAsync<T>(NpgsqlDataSource dataSource, Outbox outbox, TimeProvider clock, string what,
        Func<HandlerContext, Task<T>> work, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var context = new HandlerContext(conn, tx, clock);
        var result = await work(context);
        await outbox.AddAsync(conn, tx, context.Outgoing, ct);
        await tx.CommitAsync(ct);
        try
        {
            context.RunCommitted();
        }
        catch (Exception e)
        {
            throw new FatalWorkerException($"{what}: an after-commit action failed", e);
        }
        return result;
    }
}
