using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// One worker's schema in a database of its own (<see cref="PipelineFixture.WorkerDatabaseAsync"/>), for applying a
/// handler's messages, one at a time or as a run, each in a transaction of its own as the consume loop would.
/// </summary>
public sealed class SchemaRig : IAsyncDisposable
{
    private readonly WorkerDatabase _database;
    private readonly TimeProvider _clock;

    private SchemaRig(WorkerDatabase database, TimeProvider clock) => (_database, _clock) = (database, clock);

    public static async Task<SchemaRig> StartAsync(PipelineFixture fixture, string worker,
        IReadOnlyList<Migration> migrations, TimeProvider clock) =>
        new(await fixture.WorkerDatabaseAsync(worker, migrations), clock);

    /// <summary>
    /// Committed only if <paramref name="apply"/> returns; what it published, each as id|correlation|causation.
    /// </summary>
    public async Task<List<string>> ApplyAsync(Func<HandlerContext, Task> apply)
    {
        await using var conn = await _database.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var context = new HandlerContext(conn, tx, _clock);
        await apply(context);
        await tx.CommitAsync();
        return [.. context.Outgoing.Select(m => string.Join('|', m.OutboxId, Header(m, MessageHeaders.CorrelationId),
            Header(m, MessageHeaders.CausationId)))];
    }

    /// <summary>One message as the consume loop applies it alone: the message and its cause on the context.</summary>
    public Task<List<string>> ApplyOneAsync(IMessageHandler handler, IncomingMessage message) => ApplyAsync(context =>
    {
        (context.Incoming, context.Cause) = (message, Cause.Of(message.Envelope));
        return handler.HandleAsync(message, context, CancellationToken.None);
    });

    /// <summary>A run as the consume loop applies it: no message or cause on the context.</summary>
    public Task<List<string>> ApplyRunAsync(IBatchMessageHandler handler, IReadOnlyList<IncomingMessage> messages) =>
        ApplyAsync(context => handler.HandleBatchAsync(messages, context, CancellationToken.None));

    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var conn = await _database.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<string>(sql)];
    }

    private static string Header(OutgoingMessage m, string name) =>
        Encoding.UTF8.GetString(m.Headers.Single(h => h.Name == name).Value);

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
