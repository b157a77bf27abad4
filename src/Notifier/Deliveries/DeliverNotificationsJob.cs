using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Notifier.Channels;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Notifier.Deliveries;

/// <summary>
/// Sends the deliveries that are due, by the core's claim → lease → call → record
/// (<see cref="ClaimedCalls"/>): a failed attempt is tried again on <see cref="DeliverySchedule"/>,
/// and one that failed its last attempt is dead-lettered with a warning alert. At least once: a
/// crash after the receiver took a delivery, before the log recorded it, sends it again under the
/// same delivery id, which the receiver dedupes on.
/// </summary>
public sealed class DeliverNotificationsJob(NotifierOptions options, EmailSender email, PlatformCallbackSender callback,
    CrashPoints crash, ILogger<DeliverNotificationsJob> logger) : IJob
{
    public const string Source = "notifier";

    public string Name => "deliver-notifications";
    public TimeSpan Interval => options.Interval;

    public async Task<bool> RunAsync(JobContext job, CancellationToken ct) =>
        await ClaimedCalls.RunAsync(job, new ClaimedCall<Delivery, AttemptOutcome>
        {
            What = "delivery",
            ClaimAsync = context => DeliveryStore.ClaimDueAsync(context, options.BatchSize, options.Lease),
            IdOf = d => d.DeliveryId,
            CallAsync = (d, token) => d.Channel == DeliveryChannels.Email
                ? email.SendAsync(d, token) : callback.SendAsync(d, d.Attempts + 1, token),
            RecordAsync = RecordAsync,
            Lease = options.Lease,
            RenewAsync = DeliveryStore.RenewClaimsAsync,
        }, crash, logger, ct) > 0;

    private async Task RecordAsync(TransactionContext context, Delivery delivery, AttemptOutcome outcome)
    {
        var attempt = delivery.Attempts + 1;
        var now = context.Clock.GetUtcNow();
        var next = outcome.Delivered ? null : DeliverySchedule.NextAttemptAfterFailure(attempt, now);
        var state = await DeliveryStore.RecordAttemptAsync(context, delivery.DeliveryId, attempt, outcome, next);
        if (state == DeliveryState.Delivered)
        {
            logger.LogInformation("Delivered {DeliveryId} by {Channel} (attempt {Attempt})", delivery.DeliveryId,
                delivery.Channel, attempt);
            return;
        }
        if (state == DeliveryState.Pending)
        {
            logger.LogWarning("Delivery {DeliveryId} by {Channel} failed (attempt {Attempt}), next at {Next}: {Error}",
                delivery.DeliveryId, delivery.Channel, attempt, next, outcome.Detail);
            return;
        }
        logger.LogError("Delivery {DeliveryId} by {Channel} dead-lettered after {Attempt} attempts: {Error}",
            delivery.DeliveryId, delivery.Channel, attempt, outcome.Detail);
        context.Cause = Cause.Clock(Name, delivery.DeliveryId);
        context.RaiseAlert(Source, AlertSeverities.Warning, "notification_dead_lettered", delivery.DeliveryId,
            $"{delivery.Kind} for {delivery.Recipient} by {delivery.Channel} failed {attempt} times over " +
            $"{DeliverySchedule.Span.TotalHours:F0} h and was dead-lettered: {outcome.Detail}", delivery.DeliveryId);
    }
}
