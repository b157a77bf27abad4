using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Applies one message type's effects inside the consume loop's transaction. A handler
/// writes only through <see cref="HandlerContext"/>'s connection and transaction and
/// publishes only through its outbox, so effect, outgoing messages and the inbox row
/// commit together or not at all. Most handlers derive from <see cref="MessageHandler{T}"/>;
/// this untyped form is for handlers of message types without a body record.
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
/// the error policy stays per message. A batch handler that publishes names each outgoing
/// message's cause itself (<see cref="HandlerContext.Publish{T}(Cause, string, string, string, T)"/>).
/// </summary>
public interface IBatchMessageHandler : IMessageHandler
{
    Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context, CancellationToken ct);
}

/// <summary>
/// The handler of one message contract: its type and schema version come from the contract
/// (<see cref="IMessage"/>), and its body is read once, strictly, before the handler runs (an
/// unreadable body is a rejection). The message being handled is <see cref="HandlerContext.Incoming"/>,
/// and what the handler publishes is caused by it.
/// </summary>
public abstract class MessageHandler<T> : IMessageHandler where T : class, IMessage
{
    public string MessageType => T.Type;
    public int SchemaVersionMax => T.Version;

    Task IMessageHandler.HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var body = message.Body<T>();
        if (OperatorMismatch(message, body) is { } why) throw new MessageRejectedException(why);
        return HandleAsync(body, context, ct);
    }

    /// <summary>
    /// Null unless the decision names an operator other than the one whose own key signed it: an operator
    /// decides only under their own name, so one key cannot stand for two approvers.
    /// </summary>
    public static string? OperatorMismatch(IncomingMessage message, T body)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Operator is not { } signer || body is not IOperatorDecision decision) return null;
        return decision.Operator == signer
            ? null
            : $"operator mismatch: {T.Type} {message.Envelope.MessageId} names operator " +
                $"'{IncomingMessage.OneLine(decision.Operator)}' and is signed by operator {signer}'s own key; " +
                "an operator decides only under their own name";
    }

    public abstract Task HandleAsync(T message, HandlerContext context, CancellationToken ct);
}

/// <summary>A <see cref="MessageHandler{T}"/> that can also apply a run of its messages at once.</summary>
public abstract class BatchMessageHandler<T> : MessageHandler<T>, IBatchMessageHandler where T : class, IMessage
{
    public abstract Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct);
}

/// <summary>
/// What an outgoing message's envelope says brought it about: the correlation id it carries
/// on, and the id of the message (or clock-driven job) that caused it. Every message the
/// pipeline publishes has both, so one dollar can be followed from message to message.
/// </summary>
public readonly record struct Cause(string CorrelationId, string CausationId)
{
    /// <summary>Caused by a consumed message: same correlation, that message's id as cause.</summary>
    public static Cause Of(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new Cause(envelope.CorrelationId, envelope.MessageId);
    }

    /// <summary>
    /// Caused by the clock (a lock time reached, a retry due, a payout dispatched): correlated
    /// by its subject (a contest id), with <c>clock:&lt;job&gt;</c> as cause.
    /// </summary>
    public static Cause Clock(string job, string subject) => new(subject, "clock:" + job);

    /// <summary>Caused by a message recorded earlier (e.g. a payout's order), known by its ids.</summary>
    public static Cause Recorded(string correlationId, string messageId) => new(correlationId, messageId);

    /// <summary>
    /// The envelope of a contract message this caused: type and schema version from the contract, correlation and
    /// causation from here.
    /// </summary>
    public Envelope EnvelopeOf<T>(string messageId, DateTimeOffset occurredAt) where T : IMessage =>
        new(messageId, T.Type, T.Version, CorrelationId, CausationId, occurredAt);
}

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

/// <summary>The transaction the consume loop applies a message in, and the message it applies.</summary>
public sealed class HandlerContext(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider clock)
    : TransactionContext(connection, transaction, clock)
{
    /// <summary>
    /// The message being handled, set by the consume loop for single-message handlers; null in
    /// batch runs.
    /// </summary>
    public IncomingMessage? Incoming { get; internal set; }
}
