using ContestPipeline.Deployment;
using ContestPipeline.PlayerApi;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The platform's read API as a process of its own, with its identity (<see cref="Services.PlayerApi"/>:
/// its own database role, its tokens file as its secret), accepting one token made for the run,
/// which the platform's backend would hold, and players' tokens signed by a sign-in key made for the run
/// (<see cref="SignIn"/>).
/// </summary>
public sealed class LocalPlayerApi : IAsyncDisposable
{
    public ChildProcess Process { get; }
    public Uri Url { get; }
    public string Token { get; }
    public PlatformSignIn SignIn { get; }

    private LocalPlayerApi(ChildProcess process, Uri url, string token, PlatformSignIn signIn)
    {
        Process = process;
        Url = url;
        Token = token;
        SignIn = signIn;
    }

    /// <summary>
    /// The platform backend's client: its bearer token, and the token of the player each link is for.
    /// </summary>
    public HttpClient Platform(TimeSpan? timeout = null) => SignIn.Platform(Url, Token, timeout);

    /// <summary>Starts it on a free port against the run's database (with any settings overridden), and waits until it
    /// answers.</summary>
    public static async Task<LocalPlayerApi> StartAsync(LocalSwaps swaps, CancellationToken ct = default,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(swaps);
        var token = LocalConsole.NewPassword() + LocalConsole.NewPassword();
        var signIn = PlatformSignIn.Create();
        var (process, url, _) = await LocalListener.StartAsync(() =>
        {
            var spec = LocalServices.Prepare(Services.PlayerApi, swaps with
            {
                PlayerApiTokens = PlayerApiOptions.Hash(token),
                PlayerTokenKeys = signIn.PublicKeyPem,
            }, overrides);
            // No certificate here: on loopback, outside production, it serves plain HTTP on the port chosen for it.
            var url =
                new UriBuilder(spec.Environment[PlayerApiOptions.Settings.Url]!) { Scheme = Uri.UriSchemeHttp }.Uri;
            return (spec with
            {
                Environment = new Dictionary<string, string?>(spec.Environment)
                {
                    [PlayerApiOptions.Settings.Url] = url.ToString().TrimEnd('/'),
                },
            }, url, 0);
        }, "the player read API", Path.Combine(swaps.RunDirectory, $"player-api-{Guid.NewGuid():N}.log"),
            portChosenHere: true, ct);
        return new LocalPlayerApi(process, url, token, signIn);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        SignIn.Dispose();
    }
}
