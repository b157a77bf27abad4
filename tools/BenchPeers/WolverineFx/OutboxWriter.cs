using ContestPipeline.Local.Bench.Peer;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace ContestPipeline.BenchPeers.WolverineFx;

/// <summary>
/// The peer's writer: transactions of <see cref="PeerRunRequest.TransactionSize"/> messages through Wolverine's
/// durable outbox. Outside a handler, with no EF Core or Marten session, this is how Wolverine's own
/// <c>DbContextOutbox</c> works, on Wolverine's ADO.NET transaction instead of EF Core's: a
/// <see cref="MessageContext"/> enlisted in the transaction stores each published envelope in it, and once the
/// transaction commits, flushing hands them to the durable sending agent, which sends them to Kafka and deletes each
/// outbox record Kafka acknowledged.
/// </summary>
public sealed class OutboxWriter(IWolverineRuntime runtime, PeerRunRequest request)
{
    private readonly byte[] _body = new byte[request.PayloadBytes];

    /// <summary>Messages <paramref name="from"/> to <paramref name="from"/> + <paramref name="count"/> - 1.</summary>
    public async Task WriteAsync(int from, int count, bool warmUp, CancellationToken ct)
    {
        var store = (IMessageDatabase)runtime.Storage;
        for (var start = from; start < from + count; start += request.TransactionSize)
        {
            await using var conn = await request.DataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var outbox = new MessageContext(runtime);
            await outbox.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction(store, tx));
            for (var i = start; i < Math.Min(from + count, start + request.TransactionSize); i++)
            {
                var key = request.KeyOf(i);
                // Kafka's message key: the pipeline's 64 keys, spread over the topic's partitions as Kafka hashes them.
                await outbox.PublishAsync(new BenchMessageSent(key, _body, warmUp),
                    new DeliveryOptions { PartitionKey = key });
            }
            await tx.CommitAsync(ct);
            await outbox.FlushOutgoingMessagesAsync();
        }
    }
}
