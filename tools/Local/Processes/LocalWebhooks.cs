using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Webhooks.Extensions;
using ContestPipeline.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The Stripe webhook receiver on the local broker, with the Stripe-compatible server delivering
/// its events to it, signing them with the local <c>webhooks</c> key (<see cref="LocalSigningKeys"/>).
/// </summary>
public static class LocalWebhooks
{
    public static async Task<WebhookReceiver> StartAsync(string bootstrapServers, StripeEmulator stripe, ILoggerFactory? loggers = null,
        CancellationToken ct = default, SigningKeys? keys = null)
    {
        var receiver = await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = bootstrapServers,
            SigningSecrets = [stripe.WebhookSecret],
            Signer = (keys ?? LocalSigningKeys.Keys).SignerFor(Producers.Webhooks),
            LoggerFactory = loggers ?? NullLoggerFactory.Instance,
        }, ct);
        stripe.WebhookEndpoint = receiver.Url;
        return receiver;
    }
}
