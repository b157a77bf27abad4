using System.Text.Json;
using System.Text.Json.Serialization;
using ContestPipeline.Contracts.Notifications;

namespace ContestPipeline.Notifier.Channels;

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
