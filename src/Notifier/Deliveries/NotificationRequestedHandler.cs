using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Notifier.Channels;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Notifier.Deliveries;

/// <summary>
/// A notification asked for goes into the delivery log, due now, in the inbox's transaction: the
/// delivery job sends it. Operators' go by email; players' to the platform, which holds their
/// contact details. A replay finds the delivery there already and adds nothing.
/// </summary>
public sealed class NotificationRequestedHandler : MessageHandler<NotificationRequested>
{
    public override async Task HandleAsync(NotificationRequested request, HandlerContext context, CancellationToken ct)
    {
        if (request.Audience is not (NotificationRequested.Operators or NotificationRequested.Player))
            throw new MessageRejectedException($"audience '{request.Audience}' is neither operators nor player");
        var channel = DeliveryChannels.For(request);
        var id = Delivery.IdFor(channel, request.NotificationId);
        var body = channel == DeliveryChannels.Email
            ? EmailBody(request) : PlatformNotification.Of(id, request).ToJson();
        await DeliveryStore.InsertAsync(context, id, request.NotificationId, channel, request.Audience,
            request.Recipient, request.Kind, request.Severity, request.Subject, body);
    }

    private static string EmailBody(NotificationRequested request) =>
        $"{request.Text}\n\nKind: {request.Kind}\nAt: {request.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z\n"
        + $"About: {request.AboutMessageId}\n";
}
