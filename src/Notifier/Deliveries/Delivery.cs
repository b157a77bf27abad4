namespace ContestPipeline.Notifier.Deliveries;

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
