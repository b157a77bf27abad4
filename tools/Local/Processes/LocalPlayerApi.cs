using ContestPipeline.PlayerApi.Domain;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The platform's read API as a process of its own (as it is deployed): reading as its own
/// database role, accepting one token made for the run, which the platform's backend would hold.
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

    /// <summary>Starts it on a free port against the database of <paramref name="ownerConnectionString"/>, and waits until it answers.</summary>
    public static async Task<LocalPlayerApi> StartAsync(string runDirectory, string ownerConnectionString, CancellationToken ct = default)
    {
        var token = LocalConsole.NewPassword() + LocalConsole.NewPassword();
        var url = new Uri($"http://127.0.0.1:{LocalConsole.FreePort()}");
        var env = new Dictionary<string, string?>
        {
            [PipelineSettings.PostgresVariable] = LocalRoles.RuntimeConnection(ownerConnectionString, "player_api"),
            [PlayerApiOptions.Settings.TokenHashes] = PlayerApiOptions.Hash(token),
            [PlayerApiOptions.Settings.Url] = url.ToString().TrimEnd('/'),
        };
        var process = ChildProcess.StartDotnet("player-api", RepoPaths.PlayerApiDll, [], env, Path.Combine(runDirectory, "player-api.log"));
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the player read API exited with code {process.ExitCode}; see {process.LogPath}");
            try
            {
                if ((await http.GetAsync(new Uri(url, "/healthz"), ct)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"the player read API did not answer at {url} within 60 s; see {process.LogPath}");
            await Task.Delay(100, ct);
        }
        return new LocalPlayerApi(process, url, token);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
