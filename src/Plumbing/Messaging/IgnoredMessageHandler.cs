using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// A message type this consumer knowingly has nothing to do with (another worker's fact on
/// a shared topic, or its own output). Listing it keeps it out of the dead-letter topic,
/// which is for types nobody expected.
/// </summary>
public sealed class IgnoredMessageHandler(string messageType, int schemaVersionMax = int.MaxValue) : IMessageHandler
{
    public string MessageType => messageType;
    public int SchemaVersionMax => schemaVersionMax;

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        Task.CompletedTask;

    public static IMessageHandler Of<T>() where T : IMessage => new IgnoredMessageHandler(T.Type);

    public static IEnumerable<IMessageHandler> Of(params string[] messageTypes) =>
        messageTypes.Select(t => new IgnoredMessageHandler(t));
}
