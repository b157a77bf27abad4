namespace ContestPipeline.Plumbing.Messaging;

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
