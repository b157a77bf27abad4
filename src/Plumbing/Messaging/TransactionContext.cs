using ContestPipeline.Contracts;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// One transaction on a worker's schema: its connection, what it publishes (written to the
/// outbox just before it commits) and what runs once it has committed. A store's methods take
/// one, whether a handler or a job opened it.
/// </summary>
public class TransactionContext(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider clock)
{
    private readonly List<OutgoingMessage> _outgoing = [];
    private List<Action>? _onCommitted;

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;
    public TimeProvider Clock { get; } = clock;

    /// <summary>
    /// The cause of what is published without one named: in a handler, the message being
    /// handled. A job or a batch handler names each cause itself; publishing without one is a bug.
    /// </summary>
    public Cause? Cause { get; set; }

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
                $"it would publish {message.MessageType} {message.OutboxId} on {message.Topic} of {size:N0} bytes; "
                + $"a message is at most {Limits.MessageBytesMax:N0}"));
        _outgoing.Add(message);
    }

    /// <summary>Publishes a contract message caused by the message being handled (<see cref="Cause"/>).</summary>
    public void Publish<T>(string topic, string key, string messageId, T body) where T : IMessage =>
        Publish(CauseOf<T>(messageId), topic, key, messageId, body);

    /// <summary>
    /// Publishes a message that this transaction's own writes make new (<see cref="OutgoingMessage.New"/>):
    /// written by binary COPY, never looked up; a second under its id fails the transaction.
    /// </summary>
    public void PublishNew<T>(string topic, string key, string messageId, T body) where T : IMessage =>
        Publish(OutgoingMessage.Create(topic, key, CauseOf<T>(messageId).EnvelopeOf<T>(messageId, Clock.GetUtcNow()),
            body) with { New = true });

    /// <summary>
    /// Publishes a state that a later transaction may find again and state with a later date (a read of something
    /// outside, repeated): the first message under its id is the one kept, and a later one under it publishes nothing.
    /// </summary>
    public void PublishFirstWins<T>(string topic, string key, string messageId, T body) where T : IMessage =>
        Publish(OutgoingMessage.Create(topic, key, CauseOf<T>(messageId).EnvelopeOf<T>(messageId, Clock.GetUtcNow()),
            body) with { FirstWins = true });

    /// <summary>
    /// The one publish path: a contract message with the envelope headers (type and schema
    /// version from the contract, correlation and causation from <paramref name="cause"/>).
    /// </summary>
    public void Publish<T>(Cause cause, string topic, string key, string messageId, T body) where T : IMessage =>
        Publish(OutgoingMessage.Create(topic, key, cause.EnvelopeOf<T>(messageId, Clock.GetUtcNow()), body));

    private Cause CauseOf<T>(string messageId) where T : IMessage =>
        Cause ?? throw new InvariantViolatedException($"{T.Type} {messageId} published with no cause: "
            + "a job or batch handler must name the cause of what it publishes");

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

    internal IReadOnlyList<OutgoingMessage> Outgoing => _outgoing;
}
