using System.Net.Sockets;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing;
using ContestPipeline.WebConsole.Extensions;
using ContestPipeline.Deployment;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The operations console as a process of its own, with its identity, and an operators file
/// made for the run: an admin and a second approver with random passwords, and a viewer.
/// </summary>
public sealed class LocalConsole : IAsyncDisposable
{
    public ChildProcess Process { get; }
    public Uri Url { get; }
    public IReadOnlyList<(string Name, string Role, string Password)> SignIns { get; }
    public string OperatorsFile { get; }

    private LocalConsole(ChildProcess process, Uri url, IReadOnlyList<(string, string, string)> signIns, string operatorsFile)
    {
        Process = process;
        Url = url;
        SignIns = signIns;
        OperatorsFile = operatorsFile;
    }

    /// <summary>
    /// Starts the console with its identity (<see cref="Services.Console"/>: the read-only role,
    /// the operator's key, the operators file as its secret) on <paramref name="port"/> (0: a free
    /// one), and waits until it answers.
    /// </summary>
    public static async Task<LocalConsole> StartAsync(LocalSwaps swaps, int port = 0,
        IReadOnlyList<(string Name, string Role, string Password)>? signIns = null, CancellationToken ct = default,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(swaps);
        signIns ??=
        [
            ("admin", OperatorRoles.Admin, NewPassword()), ("approver", OperatorRoles.Approver, NewPassword()), ("viewer", OperatorRoles.Viewer, NewPassword()),
        ];
        string? json = null;
        foreach (var (name, role, password) in signIns) json = Operators.WithAccount(json, new OperatorAccount(name, role, Operators.Hash(password)));
        if (port == 0) port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string?>(overrides ?? new Dictionary<string, string?>())
        {
            [ConsoleOptions.Settings.Url] = url.ToString().TrimEnd('/'),
        };
        var spec = LocalServices.Prepare(Services.Console, swaps with { ConsoleOperators = json }, settings);
        var file = spec.Environment[ConsoleOptions.Settings.Operators + Setting.FileSuffix]!;
        var process = LocalServices.Start(spec, Path.Combine(swaps.RunDirectory, "console.log"));
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the console exited with code {process.ExitCode}; see {process.LogPath}");
            try
            {
                if ((await http.GetAsync(new Uri(url, "/healthz"), ct)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"the console did not answer at {url} within 60 s; see {process.LogPath}");
            await Task.Delay(100, ct);
        }
        return new LocalConsole(process, url, signIns, file);
    }

    public static string NewPassword() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
