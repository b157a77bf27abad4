using System.Buffers;
using System.Threading.RateLimiting;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using ContestPipeline.Webhooks.Forwarding;

namespace ContestPipeline.Webhooks;

/// <summary>The receiver's wiring: one endpoint, one producer.</summary>
public static class WebhookReceiverExtensions
{
    public const string Path = "/stripe/webhooks";

    public static WebApplicationBuilder AddStripeWebhookReceiver(this WebApplicationBuilder builder,
        WebhookReceiverOptions options)
    {
        options.Validate();
        builder.Logging.ClearProviders();
        builder.Services.Replace(ServiceDescriptor.Singleton(options.LoggerFactory));
        builder.WebHost.UseUrls(options.ListenUrl);
        // Kestrel refuses a larger body too; the endpoint's own bounded read below answers 413 first.
        builder.Services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = options.BodyBytesMax);
        builder.Services.AddSingleton(options);
        // Bounded at once, never queued: a request over the bound is answered 503 before its body is read.
        builder.Services.AddSingleton(_ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.ConcurrentRequestsMax, QueueLimit = 0,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
        if (options.Observability)
        {
            builder.Services.AddPipelineObservability("webhooks", null, options.Environment);
            // Ready while Kafka answers: an event is only acknowledged to Stripe once Kafka has it.
            builder.Services.AddHealthChecks().AddBroker(options.BootstrapServers, null);
        }
        builder.Services.AddSingleton(sp =>
        {
            var lifetime = sp.GetRequiredService<IHostApplicationLifetime>();
            return new StripeEventForwarder(options, lifetime.StopApplication);
        });
        return builder;
    }

    public static WebApplication MapStripeWebhooks(this WebApplication app)
    {
        app.MapPost(Path, async (HttpContext http, StripeEventForwarder forwarder, WebhookReceiverOptions options,
            ConcurrencyLimiter limiter) =>
        {
            using var permit = limiter.AttemptAcquire();
            if (!permit.IsAcquired)
            {
                var busy = forwarder.Reject(WebhookOutcome.Busy,
                    $"{options.ConcurrentRequestsMax} requests already in flight");
                http.Response.Headers.RetryAfter = "1";
                return Results.Text(busy.Detail, "text/plain", statusCode: busy.StatusCode);
            }
            var body = await ReadBodyAsync(http.Request, options.BodyBytesMax, http.RequestAborted);
            var answer = body is null
                ? new WebhookAnswer(WebhookOutcome.BodyTooLarge, $"body larger than {options.BodyBytesMax} bytes")
                : await forwarder.ForwardAsync(body, http.Request.Headers[StripeWebhookSignature.HeaderName].ToString(),
                    http.RequestAborted);
            return Results.Text(answer.Detail, "text/plain", statusCode: answer.StatusCode);
        });
        return app;
    }

    /// <summary>The raw body, exactly as received; null when it is larger than <paramref name="bytesMax"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int bytesMax, CancellationToken ct)
    {
        if (request.ContentLength > bytesMax) return null;
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, bytesMax) + 1);
        try
        {
            while (true)
            {
                var read = await request.Body.ReadAsync(buffer.GetMemory(4096), ct);
                if (read == 0) return buffer.WrittenSpan.ToArray();
                buffer.Advance(read);
                if (buffer.WrittenCount > bytesMax) return null;
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (
            e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
