using System.Text.Json;
using System.Text.Json.Serialization;
using ContestPipeline.Contracts.Notifications;

namespace ContestPipeline.Notifier.Deliveries;

/// <summary>How a notification reaches its audience: operators by email, players through the platform.</summary>
public static class DeliveryChannels
{
    public const string Email = "email";
    public const string Webhook = "webhook";

    public static string For(NotificationRequested request) =>
        request?.Audience == NotificationRequested.Operators ? Email : Webhook;
}

/// <summary>One notification to send on one channel, as the delivery job claims it.</summary>
public sealed record Delivery(string DeliveryId, string Channel, string Recipient, string Kind, string Severity,
    string Subject, string Body, int Attempts)
{
    /// <summary>
    /// The delivery's id: stable for the notification and channel, so a replay finds the same row and
    /// the receiver dedupes a repeated delivery on it.
    /// </summary>
    public static string IdFor(string channel, string notificationId) => $"delivery:{channel}:{notificationId}";
}

/// <summary>What came of one attempt: delivered, or why not.</summary>
public sealed record AttemptOutcome(bool Delivered, string Detail);

/// <summary>The JSON the platform receives for a player's notification (the body that is signed).</summary>
public sealed record PlatformNotification(
    string DeliveryId,
    string NotificationId,
    string PlayerId,
    string Kind,
    string Severity,
    string Subject,
    string Text,
    string AboutMessageId,
    DateTimeOffset At)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static PlatformNotification Of(string deliveryId, NotificationRequested request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(deliveryId, request.NotificationId, request.Recipient, request.Kind, request.Severity,
            request.Subject, request.Text, request.AboutMessageId, request.At);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PlatformNotification? FromJson(string json) =>
        JsonSerializer.Deserialize<PlatformNotification>(json, Json);
}
