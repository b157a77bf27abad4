using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Webhooks.Extensions;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The Stripe webhook receiver as a process of its own, with its identity
/// (<see cref="Services.Webhooks"/>: the endpoint's signing secrets, its own signing key, no
/// database), and the Stripe-compatible server delivering its events to it.
/// </summary>
public sealed class LocalWebhooks : IAsyncDisposable
{
    private readonly LocalSwaps _swaps;

    private LocalWebhooks(ChildProcess process, Uri url, LocalSwaps swaps)
    {
        Process = process;
        Url = url;
        _swaps = swaps;
    }

    public ChildProcess Process { get; }

    /// <summary>The endpoint Stripe posts to.</summary>
    public Uri Url { get; }

    public string Topic => Topics.StripeEvents;

    public static async Task<LocalWebhooks> StartAsync(LocalSwaps swaps, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(swaps);
        var spec = LocalServices.Prepare(Services.Webhooks, swaps);
        var url = new Uri(spec.Environment[WebhookReceiverHost.ListenUrlVariable]!.TrimEnd('/')
            + WebhookReceiverExtensions.Path);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = LocalServices.Start(spec, Path.Combine(swaps.RunDirectory, $"webhooks-{Guid.NewGuid():N}.log"),
            line =>
        {
            // It says where it listens once it does (and Kafka answered its probe).
            if (line.StartsWith("Stripe webhooks (", StringComparison.Ordinal)) listening.TrySetResult();
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!listening.Task.IsCompleted)
        {
            if (process.HasExited)
                throw new InvalidOperationException(
                    $"the webhook receiver exited with code {process.ExitCode}; see {process.LogPath}");
            if (DateTime.UtcNow >= deadline)
            {
                await process.DisposeAsync();
                throw new TimeoutException($"the webhook receiver did not listen within 60 s; see {process.LogPath}");
            }
            await Task.WhenAny(listening.Task, Task.Delay(100, ct));
        }
        swaps.Stripe.WebhookEndpoint = url;
        return new LocalWebhooks(process, url, swaps);
    }

    public async ValueTask DisposeAsync()
    {
        if (_swaps.Stripe.WebhookEndpoint == Url) _swaps.Stripe.WebhookEndpoint = null;
        await Process.DisposeAsync();
    }
}
