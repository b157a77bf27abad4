using ContestPipeline.Deployment;
using ContestPipeline.PlayerApi.Domain;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The platform's read API as a process of its own, with its identity (<see cref="Services.PlayerApi"/>:
/// its own database role, its tokens file as its secret), accepting one token made for the run,
/// which the platform's backend would hold.
/// </summary>
public sealed class LocalPlayerApi : IAsyncDisposable
{
    public ChildProcess Process { get; }
    public Uri Url { get; }
    public string Token { get; }

    private LocalPlayerApi(ChildProcess process, Uri url, string token)
    {
        Process = process;
        Url = url;
        Token = token;
    }

    /// <summary>Starts it on a free port against the run's database, and waits until it answers.</summary>
    public static async Task<LocalPlayerApi> StartAsync(LocalSwaps swaps, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(swaps);
        var token = LocalConsole.NewPassword() + LocalConsole.NewPassword();
        var spec = LocalServices.Prepare(Services.PlayerApi, swaps with { PlayerApiTokens = PlayerApiOptions.Hash(token) });
        var url = new Uri(spec.Environment[PlayerApiOptions.Settings.Url]!);
        var process = LocalServices.Start(spec, Path.Combine(swaps.RunDirectory, $"player-api-{Guid.NewGuid():N}.log"));
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                await process.DisposeAsync();
                throw new InvalidOperationException(
                    $"the player read API exited with code {process.ExitCode}; see {process.LogPath}");
            }
            try
            {
                if ((await http.GetAsync(new Uri(url, "/healthz"), ct)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow >= deadline)
            {
                await process.DisposeAsync();
                throw new TimeoutException($"the player read API did not answer at {url} within 60 s; see {process.LogPath}");
            }
            await Task.Delay(100, ct);
        }
        return new LocalPlayerApi(process, url, token);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
