using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Plumbing.Messaging;

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

    /// <inheritdoc cref="IMessageHandler.KeyedByContent"/>
    public virtual bool KeyedByContent => false;

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
