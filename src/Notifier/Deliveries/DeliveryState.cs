namespace ContestPipeline.Notifier.Deliveries;

/// <summary>Where a delivery stands in the log.</summary>
public enum DeliveryState
{
    /// <summary>Due, or waiting to be tried again.</summary>
    Pending,
    /// <summary>The channel took it.</summary>
    Delivered,
    /// <summary>Its last attempt failed: an alert says so, and nothing tries it again.</summary>
    DeadLettered,
}
