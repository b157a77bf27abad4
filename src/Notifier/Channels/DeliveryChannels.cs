using ContestPipeline.Contracts.Notifications;

namespace ContestPipeline.Notifier.Channels;

/// <summary>How a notification reaches its audience: operators by email, players through the platform.</summary>
public static class DeliveryChannels
{
    public const string Email = "email";
    public const string Webhook = "webhook";

    public static string For(NotificationRequested request) =>
        request?.Audience == NotificationRequested.Operators ? Email : Webhook;
}
