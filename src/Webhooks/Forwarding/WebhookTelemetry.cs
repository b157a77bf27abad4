using System.Diagnostics.Metrics;
using ContestPipeline.Plumbing.Hosting;

namespace ContestPipeline.Webhooks.Forwarding;

/// <summary>
/// The webhook receiver's counters, on its one meter (<see cref="PipelineTelemetry.WebhooksMeterName"/>).
/// </summary>
public static class WebhookTelemetry
{
    private static readonly Meter Meter = new(PipelineTelemetry.WebhooksMeterName);

    /// <summary>Refused requests, by outcome (<see cref="WebhookRejections"/>).</summary>
    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>("contestpipeline.webhooks.rejected",
        "{request}",
        "Webhook requests refused, by outcome (forged, expired or malformed signatures, unreadable events, livemode " +
        "mismatches)");

    /// <summary>
    /// Events forwarded, by type: at a lock-time rush thousands a second, so counted rather than logged one line each.
    /// </summary>
    public static readonly Counter<long> Forwarded = Meter.CreateCounter<long>("contestpipeline.webhooks.forwarded",
        "{event}", "Stripe events verified and forwarded to stripe.events, by event type");
}
