using ContestPipeline.Plumbing;

namespace ContestPipeline.Notifier.Deliveries;

/// <summary>
/// The deliveries' transition table: pending stays pending while attempts fail and retries remain, then
/// becomes delivered or dead-lettered, both final.
/// </summary>
public static class DeliveryLifecycle
{
    public static TransitionTable<DeliveryState> Table { get; } = new("delivery",
        new Dictionary<DeliveryState, DeliveryState[]>
        {
            [DeliveryState.Pending] = [DeliveryState.Pending, DeliveryState.Delivered, DeliveryState.DeadLettered],
            [DeliveryState.Delivered] = [],
            [DeliveryState.DeadLettered] = [],
        }, state => state switch
        {
            DeliveryState.Pending => "pending",
            DeliveryState.Delivered => "delivered",
            _ => "dead_lettered",
        });

    /// <summary>
    /// The state after an attempt: delivered, else pending while a next attempt is due, else dead-lettered.
    /// </summary>
    public static DeliveryState After(bool delivered, DateTimeOffset? nextAttemptAt) =>
        delivered ? DeliveryState.Delivered
        : nextAttemptAt is null ? DeliveryState.DeadLettered : DeliveryState.Pending;

    /// <summary>The name as stored and shown: pending, delivered, dead_lettered.</summary>
    public static string Name(DeliveryState state) => Table.Name(state);
}
