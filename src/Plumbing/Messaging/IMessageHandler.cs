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

    /// <summary>
    /// The inbox knows a message by its id and a digest of its body, not by its id alone: on a topic anyone may
    /// write (alerts), a message sent first under another's id must not make the genuine one a duplicate. The
    /// handler then tells a message sent again from a different one under the same id itself.
    /// </summary>
    bool KeyedByContent => false;
}
