using ContestPipeline.Contracts;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Applies one message type's effects inside the consume loop's transaction. A handler
/// writes only through <see cref="HandlerContext"/>'s connection and transaction and
/// publishes only through its outbox, so effect, outgoing messages and the inbox row
/// commit together or not at all.
/// </summary>
public interface IMessageHandler
{
    string MessageType { get; }

    /// <summary>The newest schema version this handler reads; newer ones are rejected, not guessed at.</summary>
    int SchemaVersionMax { get; }

    Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct);
}

/// <summary>
/// A handler that can apply a run of consecutive messages of its type at once (one
/// statement for many rows). The consume loop calls it for runs inside a batch and falls
/// back to <see cref="IMessageHandler.HandleAsync"/> one at a time when a run fails, so
/// the retry and dead-letter rules stay per message.
/// </summary>
public interface IBatchMessageHandler : IMessageHandler
{
    Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context, CancellationToken ct);
}

public sealed class HandlerContext(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider clock)
{
    private readonly List<OutgoingMessage> _outgoing = [];

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;
    public TimeProvider Clock { get; } = clock;

    private List<Action>? _onCommitted;

    /// <summary>
    /// Queues a message for the outbox; written just before the transaction commits. A
    /// message larger than <see cref="Limits.MessageBytesMax"/> could never be delivered (the
    /// relay would retry it forever), so it is refused here: in a handler, the message being
    /// handled is dead-lettered with the reason instead.
    /// </summary>
    public void Publish(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = message.WireBytes;
        if (size > Limits.MessageBytesMax)
            throw new MessageRejectedException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"it would publish {message.MessageType} {message.OutboxId} on {message.Topic} of {size:N0} bytes; a message is at most {Limits.MessageBytesMax:N0}"));
        _outgoing.Add(message);
    }

    /// <summary>
    /// Runs <paramref name="action"/> after the transaction committed, never if it rolled back:
    /// the place to update in-memory state that mirrors what was written. An action that
    /// throws stops the worker, because memory and database would then disagree.
    /// </summary>
    public void OnCommitted(Action action) => (_onCommitted ??= []).Add(action);

    internal void RunCommitted()
    {
        if (_onCommitted is null) return;
        foreach (var action in _onCommitted) action();
    }

    /// <summary>Publishes a JSON message caused by <paramref name="cause"/> (same correlation id).</summary>
    public void Publish<T>(Envelope cause, string topic, string key, string messageId, string type, int schemaVersion, T body) =>
        Publish(OutgoingMessage.Create(topic, key, cause.Caused(messageId, type, schemaVersion, Clock.GetUtcNow()), body));

    internal IReadOnlyList<OutgoingMessage> Outgoing => _outgoing;
}
