using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>A <see cref="MessageHandler{T}"/> that can also apply a run of its messages at once.</summary>
public abstract class BatchMessageHandler<T> : MessageHandler<T>, IBatchMessageHandler where T : class, IMessage
{
    public abstract Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct);
}
