using System.Threading.Channels;
using ContestPipeline.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A real HTTP webhook endpoint on 127.0.0.1 that records what arrives and answers with scripted statuses.
/// </summary>
public sealed class RecordingWebhookEndpoint : IAsyncDisposable
{
    public sealed record Delivery(string? Signature, byte[] Body)
    {
        /// <summary>The event as Stripe.net reads it (through the pipeline's reader).</summary>
        public global::Stripe.Event Event => StripeEventReader.TryParse(Body, out var e, out var problem)
            ? e : throw new InvalidOperationException("an event Stripe.net cannot read: " + problem);

        /// <summary>The event's JSON as sent.</summary>
        public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement.Clone();
    }

    private readonly WebApplication _app;
    private readonly Channel<Delivery> _arrived = Channel.CreateUnbounded<Delivery>();
    private readonly Queue<int> _statuses;

    private RecordingWebhookEndpoint(WebApplication app, IEnumerable<int> statuses)
    {
        _app = app;
        _statuses = new Queue<int>(statuses);
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Answers the first deliveries with <paramref name="statuses"/>, then 200.</summary>
    public static async Task<RecordingWebhookEndpoint> StartAsync(params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new RecordingWebhookEndpoint(app, statuses);
        app.MapPost("/webhooks/stripe", async (HttpContext ctx) =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            await receiver._arrived.Writer.WriteAsync(
                new Delivery(ctx.Request.Headers[StripeWebhookSignature.HeaderName].ToString(), body.ToArray()));
            int status;
            lock (receiver._statuses) status = receiver._statuses.Count > 0 ? receiver._statuses.Dequeue() : 200;
            ctx.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address =
            app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/webhooks/stripe");
        return receiver;
    }

    public async Task<Delivery> NextAsync() =>
        await _arrived.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    public async Task<List<Delivery>> TakeAsync(int count)
    {
        var list = new List<Delivery>();
        for (var i = 0; i < count; i++) list.Add(await NextAsync());
        return list;
    }

    /// <summary>True when nothing more arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> StaysQuietAsync(TimeSpan quiet)
    {
        try
        {
            await _arrived.Reader.WaitToReadAsync().AsTask().WaitAsync(quiet);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
