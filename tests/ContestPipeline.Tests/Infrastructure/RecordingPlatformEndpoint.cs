using System.Collections.Concurrent;
using ContestPipeline.Notifier.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// The platform's notification endpoint as a real HTTP server on 127.0.0.1: records every request
/// (signature, delivery id, body), answers the first ones with scripted statuses, then 200; a delivery
/// it is told to refuse, with its status every time.
/// </summary>
public sealed class RecordingPlatformEndpoint : IAsyncDisposable
{
    public const string Path = "/contestpipeline/notifications";

    public sealed record Request(string Signature, string DeliveryId, string Attempt, string Body, DateTimeOffset At)
    {
        public PlatformNotification Notification => PlatformNotification.FromJson(Body)
            ?? throw new InvalidOperationException("an empty notification body");
    }

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly Queue<int> _statuses;
    private readonly ConcurrentDictionary<string, int> _byDelivery = new();

    private RecordingPlatformEndpoint(WebApplication app, IEnumerable<int> statuses)
    {
        _app = app;
        _statuses = new Queue<int>(statuses);
    }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Request> Requests => [.. _requests];

    /// <summary>Answers with <paramref name="statuses"/> first (e.g. 500s), then 200.</summary>
    public static async Task<RecordingPlatformEndpoint> StartAsync(params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var endpoint = new RecordingPlatformEndpoint(app, statuses);
        app.MapPost(Path, async (HttpContext ctx) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = ctx.Request.Headers;
            endpoint._requests.Enqueue(new Request(headers[PlatformCallbackSignature.Header].ToString(),
                headers[PlatformCallbackSignature.DeliveryIdHeader].ToString(),
                headers[PlatformCallbackSignature.AttemptHeader].ToString(),
                body, DateTimeOffset.UtcNow));
            int status;
            if (endpoint._byDelivery.TryGetValue(headers[PlatformCallbackSignature.DeliveryIdHeader].ToString(),
                out var refused))
                status = refused;
            else
                lock (endpoint._statuses) status = endpoint._statuses.Count > 0 ? endpoint._statuses.Dequeue() : 200;
            ctx.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address =
            app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Url = new Uri(address.TrimEnd('/') + Path);
        return endpoint;
    }

    /// <summary>
    /// Answers every request from now on with <paramref name="status"/> (e.g. 500: the platform is down).
    /// </summary>
    public void AnswerAlways(int status, int times = 10_000)
    {
        lock (_statuses)
        {
            _statuses.Clear();
            for (var i = 0; i < times; i++) _statuses.Enqueue(status);
        }
    }

    /// <summary>Answers every request for <paramref name="deliveryId"/> with <paramref name="status"/>.</summary>
    public void Refuse(string deliveryId, int status) => _byDelivery[deliveryId] = status;

    /// <summary>The deliveries it was told to refuse.</summary>
    public IReadOnlyCollection<string> Refused => [.. _byDelivery.Keys];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
