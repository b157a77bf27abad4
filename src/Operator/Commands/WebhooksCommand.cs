using ContestPipeline.Webhooks.Extensions;

namespace ContestPipeline.Operator.Commands;

/// <summary>
/// cpctl webhooks: the Stripe webhook receiver on its own, as the Webhooks executable runs
/// it: signing secrets from CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS, Kafka from the usual
/// settings (CONTESTPIPELINE_KAFKA or the local broker's state file). Prints its URL.
/// </summary>
public static class WebhooksCommand
{
    public static Task<int> RunAsync(string? listenUrl, CancellationToken ct) => WebhookReceiverHost.RunAsync(listenUrl, ct);
}
