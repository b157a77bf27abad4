namespace ContestPipeline.Operations.Queries.Notifications;

/// <summary>One delivery of a notification, as the notification sender's log has it.</summary>
public sealed record DeliveryRow(string DeliveryId, string Channel, string Recipient, string Kind, string State,
    int Attempts, DateTimeOffset RequestedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? DeliveredAt,
    string? LastError);
