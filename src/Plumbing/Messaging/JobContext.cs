using ContestPipeline.Contracts;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// What a job's run may use: transactions on its worker's schema, the clock, and the worker's
/// <see cref="ViewPublisher"/> for views.
/// </summary>
public sealed class JobContext(NpgsqlDataSource dataSource, OutboxStore outbox, TimeProvider clock,
    ViewPublisher? views = null)
{
    public TimeProvider Clock => clock;

    /// <summary>
    /// Publishes views (<see cref="ViewPublisher"/>) straight to Kafka, signed as the worker, and waits until the
    /// broker has them. Never for a fact: that goes through a transaction's outbox.
    /// </summary>
    public Task PublishViewsAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken ct) =>
        (views ?? throw new InvalidOperationException("this worker's jobs were given no view publisher"))
        .PublishAsync(messages, ct);

    /// <summary>A view with the envelope headers, as a transaction's publish makes them, occurred now.</summary>
    public OutgoingMessage View<T>(Cause cause, string topic, string key, string messageId, T body)
        where T : IMessage =>
        OutgoingMessage.Create(topic, key, cause.EnvelopeOf<T>(messageId, clock.GetUtcNow()), body);

    /// <summary>
    /// One transaction; what it publishes goes out through the outbox with it. The job names each
    /// message's cause.
    /// </summary>
    public Task<T> InTransactionAsync<T>(string what, Func<TransactionContext, Task<T>> work, CancellationToken ct) =>
        UnitOfWork.RunAsync(dataSource, outbox, clock, what, work, ct);
}
