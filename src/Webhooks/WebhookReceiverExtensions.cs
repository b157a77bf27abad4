using System.Buffers;
using System.Runtime.InteropServices;
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

using ContestPipeline.Webhooks.Domain;
using ContestPipeline.Webhooks.Forwarding;

namespace ContestPipeline.Webhooks.Extensions;

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

/// <summary>
/// The receiver as a process of its own (the Webhooks executable):
/// secrets from <see cref="SecretsVariable"/>, Kafka from the usual settings, until Ctrl-C or SIGTERM.
/// </summary>
public static class WebhookReceiverHost
{
    /// <summary>The endpoint's signing secrets, comma-separated (two while a secret is rolled).</summary>
    public const string SecretsVariable = "CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS";

    /// <summary>Where to listen when no URL is given (default http://127.0.0.1:0).</summary>
    public const string ListenUrlVariable = "CONTESTPIPELINE_WEBHOOKS_URL";

    public const int ExitFailed = 1;

    public static WebhookReceiverOptions OptionsFromEnvironment(string? listenUrl, ILoggerFactory loggerFactory,
        IConfiguration? configuration = null)
    {
        var secrets = Setting.List(configuration, SecretsVariable);
        if (secrets.Count == 0)
            throw new StartupException($"no webhook signing secrets: set {SecretsVariable} (whsec_..., " +
                "comma-separated)");
        if (secrets.Any(s => !s.StartsWith("whsec_", StringComparison.Ordinal)))
            throw new StartupException($"{SecretsVariable}: every secret starts with whsec_ (is an API key there?)");
        var settings = PipelineSettings.Resolve(configuration);
        listenUrl ??= Setting.Text(configuration, ListenUrlVariable);
        return new WebhookReceiverOptions
        {
            BootstrapServers = settings.KafkaBootstrapServers,
            SigningSecrets = secrets,
            Signer = SigningKeys.Resolve(configuration, settings.Environment).SignerFor(Producers.Webhooks),
            ListenUrl = string.IsNullOrWhiteSpace(listenUrl) ? WebhookReceiverOptions.ListenUrlDefault : listenUrl,
            Environment = settings.Environment,
            LoggerFactory = loggerFactory,
            Observability = true,
        };
    }

    public static async Task<int> RunAsync(string? listenUrl, CancellationToken ct)
    {
        DeploymentEnvironment environment;
        try
        {
            environment = DeploymentEnvironments.Read(null);
            Observability.JsonLogs(null, environment);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"webhooks: {e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        // One line per event from the receiver itself; ASP.NET Core's per-request lines would double it.
        using var loggerFactory = LoggerFactory.Create(b =>
        {
            Observability.ConfigureLogging(b, null, environment);
            b.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        });
        WebhookReceiver receiver;
        try
        {
            var options = OptionsFromEnvironment(listenUrl, loggerFactory);
            KafkaClients.ProbeBroker(options.BootstrapServers, TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs),
                [options.Topic]);
            receiver = await WebhookReceiver.StartAsync(options, ct);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"webhooks: {e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        await using (receiver)
        {
            Console.WriteLine($"Stripe webhooks ({DeploymentEnvironments.Name(receiver.Environment)}): " +
                $"{receiver.Url} -> {receiver.Topic}   stop with Ctrl-C or SIGTERM");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
                { c.Cancel = true; stop.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
                { c.Cancel = true; stop.Cancel(); });
            await receiver.WaitForShutdownAsync(stop.Token);
            if (receiver.FailedFatally)
            {
                await Console.Error.WriteLineAsync("webhooks: stopped after a fatal Kafka error");
                return ExitFailed;
            }
        }
        Console.WriteLine("Stripe webhooks stopped");
        return 0;
    }
}
