using ContestPipeline.Webhooks.Forwarding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ContestPipeline.Webhooks;

/// <summary>
/// Stripe's webhook endpoint, <c>POST /stripe/webhooks</c>: verifies each request's
/// signature and forwards the event, byte for byte, to <c>stripe.events</c>, answering 200
/// only once Kafka has acknowledged it. Started in-process by the executable, <c>cpctl
/// webhooks</c> and tests.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, Uri url, WebhookReceiverOptions options)
    {
        _app = app;
        Url = url;
        Topic = options.Topic;
        Environment = options.Environment;
    }

    /// <summary>The endpoint to give Stripe, e.g. http://127.0.0.1:5123/stripe/webhooks.</summary>
    public Uri Url { get; }

    public string Topic { get; }

    public ContestPipeline.Plumbing.DeploymentEnvironment Environment { get; }

    /// <summary>
    /// Every request refused so far (forged, expired or malformed signatures, unreadable events, livemode mismatches),
    /// by outcome.
    /// </summary>
    public IReadOnlyDictionary<WebhookOutcome, long> Rejections =>
        _app.Services.GetRequiredService<StripeEventForwarder>().Rejections;

    /// <summary>
    /// Requests being handled now (at most <see cref="WebhookReceiverOptions.ConcurrentRequestsMax"/>).
    /// </summary>
    public long InFlight
    {
        get
        {
            var limiter = _app.Services.GetRequiredService<System.Threading.RateLimiting.ConcurrencyLimiter>();
            var max = _app.Services.GetRequiredService<WebhookReceiverOptions>().ConcurrentRequestsMax;
            return max - limiter.GetStatistics()!.CurrentAvailablePermits;
        }
    }

    /// <summary>True when the receiver stopped itself after a fatal Kafka producer error.</summary>
    public bool FailedFatally => _app.Services.GetRequiredService<StripeEventForwarder>().FailedFatally;

    public static async Task<WebhookReceiver> StartAsync(WebhookReceiverOptions options, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddStripeWebhookReceiver(options);
        var app = builder.Build();
        app.MapStripeWebhooks();
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebhookReceiver(app, new Uri(address.TrimEnd('/') + WebhookReceiverExtensions.Path), options);
    }

    /// <summary>Completes when the receiver stops by itself or <paramref name="ct"/> is cancelled.</summary>
    public async Task WaitForShutdownAsync(CancellationToken ct)
    {
        var stopping = new TaskCompletionSource();
        using var a = _app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        using var b = ct.Register(() => stopping.TrySetResult());
        await stopping.Task;
    }

    public async ValueTask DisposeAsync()
    {
        // Stopping drains requests in flight first; the producer is disposed with the services after.
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
