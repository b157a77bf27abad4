using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Webhooks;

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
        // The port is chosen free here and bound by the child a moment later; on a busy machine
        // another process can take it in between, so a bind lost that way is tried on a new port.
        for (var attempt = 1; ; attempt++)
        {
            var spec = LocalServices.Prepare(Services.Webhooks, swaps);
            var url = new Uri(spec.Environment[WebhookReceiverHost.ListenUrlVariable]!.TrimEnd('/')
                + WebhookReceiverExtensions.Path);
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var portTaken = false;
            var process = LocalServices.Start(spec,
                Path.Combine(swaps.RunDirectory, $"webhooks-{Guid.NewGuid():N}.log"),
                line =>
            {
                // It says where it listens once it does (and Kafka answered its probe).
                if (line.StartsWith("Stripe webhooks (", StringComparison.Ordinal)) listening.TrySetResult();
                if (line.Contains("Address already in use", StringComparison.Ordinal)) portTaken = true;
            });
            if (await ListensAsync(process, listening.Task, () => attempt < 5 && portTaken, ct))
            {
                swaps.Stripe.WebhookEndpoint = url;
                return new LocalWebhooks(process, url, swaps);
            }
            await process.DisposeAsync();
        }
    }

    /// <summary>
    /// True once the receiver listens; false when it exited and <paramref name="retry"/> says to
    /// try again (its port was taken); throws when it exited otherwise or did not listen in 60 s.
    /// </summary>
    private static async Task<bool> ListensAsync(ChildProcess process, Task listening, Func<bool> retry,
        CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!listening.IsCompleted)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(ct);   // and its output read to the end
                if (retry()) return false;
                throw new InvalidOperationException(
                    $"the webhook receiver exited with code {process.ExitCode}; see {process.LogPath}");
            }
            if (DateTime.UtcNow >= deadline)
            {
                await process.DisposeAsync();
                throw new TimeoutException($"the webhook receiver did not listen within 60 s; see {process.LogPath}");
            }
            await Task.WhenAny(listening, Task.Delay(100, ct));
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_swaps.Stripe.WebhookEndpoint == Url) _swaps.Stripe.WebhookEndpoint = null;
        await Process.DisposeAsync();
    }
}
