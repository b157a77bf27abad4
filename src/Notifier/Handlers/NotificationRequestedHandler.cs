using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Notifier.Domain;
using ContestPipeline.Notifier.Store;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Notifier.Handlers;

/// <summary>
/// A notification asked for goes into the delivery log, due now, in the inbox's transaction: the
/// delivery job sends it. Operators' go by email; players' to the platform, which holds their
/// contact details. A replay finds the delivery there already and adds nothing.
/// </summary>
public sealed class NotificationRequestedHandler : MessageHandler<NotificationRequested>
{
    public override async Task HandleAsync(NotificationRequested n, HandlerContext context, CancellationToken ct)
    {
        if (n.Audience is not (NotificationRequested.Operators or NotificationRequested.Player))
            throw new MessageRejectedException($"audience '{n.Audience}' is neither operators nor player");
        var channel = DeliveryChannels.For(n);
        var id = Delivery.IdFor(channel, n.NotificationId);
        var body = channel == DeliveryChannels.Email ? EmailBody(n) : PlatformNotification.Of(id, n).ToJson();
        await DeliveryStore.InsertAsync(context, id, n.NotificationId, channel, n.Audience, n.Recipient, n.Kind,
            n.Severity, n.Subject, body);
    }

    private static string EmailBody(NotificationRequested n) =>
        $"{n.Text}\n\nKind: {n.Kind}\nAt: {n.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z\nAbout: {n.AboutMessageId}\n";
}
