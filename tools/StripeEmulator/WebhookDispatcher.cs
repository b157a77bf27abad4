using System.Net.Http.Headers;
using ContestPipeline.Stripe;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// POSTs events to the webhook endpoint, signed like Stripe (a fresh timestamp on every
/// attempt, the same payload), and retries a non-2xx answer or a failed connection with
/// doubling delays up to <see cref="StripeEmulatorOptions.WebhookAttemptsMax"/> attempts.
/// Like Stripe, it promises no order: every event is delivered on its own. On demand it
/// holds events back and releases them as a batch in a chosen order, or sends one again.
/// </summary>
internal sealed class WebhookDispatcher : IAsyncDisposable
{
    private readonly StripeEmulatorOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private readonly List<EventRecord> _held = [];
    private readonly List<WebhookDelivery> _deliveries = [];
    private bool _holding;
    private volatile Uri? _endpoint;

    public WebhookDispatcher(StripeEmulatorOptions options)
    {
        _options = options;
        _endpoint = options.WebhookEndpoint;
        _logger = options.LoggerFactory.CreateLogger<WebhookDispatcher>();
        _http = new HttpClient { Timeout = options.WebhookTimeout };
        _slots = new SemaphoreSlim(options.WebhookConcurrencyMax);
    }

    private readonly SemaphoreSlim _slots;

    public Uri? Endpoint
    {
        get => _endpoint;
        set => _endpoint = value;
    }

    public void Publish(EventRecord e)
    {
        if (_endpoint is null) return;
        lock (_gate)
        {
            if (_holding)
            {
                _held.Add(e);
                return;
            }
        }
        Start(() => DeliverAsync(e, TimeSpan.Zero, 1));
    }

    /// <summary>Sends an event again, as Stripe does when it is unsure a delivery arrived.</summary>
    public void Redeliver(EventRecord e, TimeSpan delay) => Start(() => DeliverAsync(e, delay, 1));

    public void Hold()
    {
        lock (_gate) _holding = true;
    }

    /// <summary>
    /// Delivers the held events one after another in <paramref name="order"/>: each first
    /// attempt completes before the next starts, so the endpoint sees exactly this order.
    /// Retries of a failed one then go on by themselves.
    /// </summary>
    public void Release(WebhookOrder order, int seed)
    {
        List<EventRecord> batch;
        lock (_gate)
        {
            _holding = false;
            batch = [.. _held];
            _held.Clear();
        }
        if (order == WebhookOrder.Reversed) batch.Reverse();
        if (order == WebhookOrder.Shuffled)
            new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch));
        Start(async () =>
        {
            foreach (var e in batch)
                if (!await AttemptAsync(e, 1))
                    Start(() => DeliverAsync(e, RetryDelay(1), 2));
        });
    }

    public IReadOnlyList<WebhookDelivery> Deliveries()
    {
        lock (_gate) return _deliveries.ToList();
    }

    private async Task DeliverAsync(EventRecord e, TimeSpan delay, int firstAttempt)
    {
        for (var attempt = firstAttempt; attempt <= _options.WebhookAttemptsMax; attempt++)
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, _stop.Token);
            if (await AttemptAsync(e, attempt)) return;
            delay = RetryDelay(attempt);
        }
        _logger.LogWarning("Webhook {EventId} ({EventType}) not accepted after {Attempts} attempts; giving up",
            e.Id, e.Type, _options.WebhookAttemptsMax);
    }

    private async Task<bool> AttemptAsync(EventRecord e, int attempt)
    {
        if (_endpoint is not { } endpoint) return true;
        // Signed once a slot is free, so a long queue never sends a stale signature.
        await _slots.WaitAsync(_stop.Token);
        try
        {
            return await AttemptInSlotAsync(e, attempt, endpoint);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<bool> AttemptInSlotAsync(EventRecord e, int attempt, Uri endpoint)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new ByteArrayContent(e.Payload),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(StripeWebhookSignature.HeaderName,
            StripeWebhookSignature.Sign(e.Payload, _options.WebhookSecret, _options.Clock.GetUtcNow()));
        int status;
        string? error = null;
        try
        {
            using var response = await _http.SendAsync(request, _stop.Token);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException
            or TaskCanceledException && !_stop.IsCancellationRequested)
        {
            status = 0;
            error = ex.Message;
        }

        lock (_gate) _deliveries.Add(new WebhookDelivery(e.Id, e.Type, attempt, status, error));
        if (status is >= 200 and < 300) return true;
        _logger.LogInformation("Webhook {EventId} attempt {Attempt} failed: {Status} {Error}", e.Id, attempt, status,
            error);
        return false;
    }

    private TimeSpan RetryDelay(int failedAttempt)
    {
        var ticks = _options.WebhookRetryDelayBase.Ticks << Math.Min(failedAttempt - 1, 30);
        return TimeSpan.FromTicks(Math.Min(ticks, _options.WebhookRetryDelayMax.Ticks));
    }

    private void Start(Func<Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopping: undelivered events die with the emulator, as they would with Stripe's test clock gone.
            }
        });
        lock (_gate) _running.Add(task);
        task.ContinueWith(t =>
        {
            lock (_gate) _running.Remove(t);
        }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] running;
        lock (_gate) running = [.. _running];
        await Task.WhenAll(running);
        _http.Dispose();
        _slots.Dispose();
        _stop.Dispose();
    }
}
