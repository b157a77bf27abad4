using System.Net.Sockets;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing;
using ContestPipeline.Deployment;
using ContestPipeline.OperationsConsole;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The operations console as a process of its own, with its identity, and an operators file
/// made for the run: an admin and a second approver with random passwords, and a viewer; the admin and the
/// approver with an authenticator's secret (<see cref="CodeAsync"/> gives their codes).
/// </summary>
public sealed class LocalConsole : IAsyncDisposable
{
    public ChildProcess Process { get; }
    public Uri Url { get; }
    public IReadOnlyList<(string Name, string Role, string Password)> SignIns { get; }
    public string OperatorsFile { get; }

    /// <summary>The TOTP secret enrolled for each approver and admin, as their authenticator app would hold
    /// it.</summary>
    public IReadOnlyDictionary<string, byte[]> TotpSecrets { get; }

    private readonly Dictionary<string, long> _stepsUsed = new(StringComparer.OrdinalIgnoreCase);

    private LocalConsole(ChildProcess process, Uri url, IReadOnlyList<(string, string, string)> signIns,
        string operatorsFile,
        IReadOnlyDictionary<string, byte[]> totpSecrets)
    {
        Process = process;
        Url = url;
        SignIns = signIns;
        OperatorsFile = operatorsFile;
        TotpSecrets = totpSecrets;
    }

    /// <summary>
    /// An authenticator code for <paramref name="operator"/> that the console has not seen yet ("" for one who needs
    /// none): of the earliest step the console accepts now that was not used (the one before, this one, the next),
    /// or after waiting for the step after.
    /// </summary>
    public async Task<string> CodeAsync(string @operator, CancellationToken ct = default)
    {
        if (!TotpSecrets.TryGetValue(@operator, out var secret)) return "";
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            long step;
            lock (_stepsUsed)
            {
                // The step before is still good until this one ends: used first when that is 20 s off or more.
                var current = OperatorTotp.Step(now);
                var previousGood = (current + 1) * OperatorTotp.StepSeconds - now.ToUnixTimeSeconds() >= 20;
                step = Math.Max(previousGood ? current - 1 : current,
                    _stepsUsed.GetValueOrDefault(@operator, long.MinValue) + 1);
                if (step <= OperatorTotp.Step(now) + 1)
                {
                    _stepsUsed[@operator] = step;
                    return OperatorTotp.Code(secret,
                        DateTimeOffset.FromUnixTimeSeconds(step * OperatorTotp.StepSeconds));
                }
            }
            await Task.Delay(DateTimeOffset.FromUnixTimeSeconds((step - 1) * OperatorTotp.StepSeconds) - now
                + TimeSpan.FromMilliseconds(100), ct);
        }
    }

    /// <summary>The authenticator URI of <paramref name="operator"/>'s secret (null for one who needs no code), to
    /// print for a local run.</summary>
    public string? AuthenticatorUri(string @operator) =>
        TotpSecrets.TryGetValue(@operator, out var secret) ? OperatorTotp.Uri(@operator, secret) : null;

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
            ("admin", OperatorRoles.Admin, NewPassword()), ("approver", OperatorRoles.Approver, NewPassword()),
            ("viewer", OperatorRoles.Viewer, NewPassword()),
        ];
        string? json = null;
        var totp = new Dictionary<string, byte[]>(StringComparer.OrdinalIgnoreCase);
        // Each with their own local key, sealed under their password, and approvers and admins with an authenticator's
        // secret, as cpctl console operator add does.
        foreach (var (name, role, password) in signIns)
        {
            if (OperatorTotp.Required(role)) totp[name] = OperatorTotp.NewSecret();
            json = Operators.WithAccount(json, new OperatorAccount(name, role, Operators.Hash(password),
                SealedOperatorKey.Seal(LocalSigningKeys.Operator(name, role), password),
                totp.TryGetValue(name, out var secret) ? SealedTotpSecret.Seal(name, secret, password) : null));
        }
        var portChosenHere = port == 0;
        var (process, url, file) = await LocalListener.StartAsync(() =>
        {
            var listen = new Uri(
                $"{(swaps.ConsoleTls is null ? "http" : "https")}://127.0.0.1:{(portChosenHere ? FreePort() : port)}");
            var settings = new Dictionary<string, string?>(overrides ?? new Dictionary<string, string?>())
            {
                [ConsoleOptions.Settings.Url] = listen.ToString().TrimEnd('/'),
            };
            if (swaps.ConsoleTls is { } tls)
            {
                // The certificate and key made for the run, as files the console reads at start.
                Directory.CreateDirectory(swaps.RunDirectory);
                var certificate = Path.Combine(swaps.RunDirectory, "console-tls.crt");
                var key = Path.Combine(swaps.RunDirectory, "console-tls.key");
                File.WriteAllText(certificate, tls.CertificatePem);
                File.WriteAllText(key, tls.KeyPem);
                settings[ConsoleOptions.Settings.TlsCertificate] = certificate;
                settings[ConsoleOptions.Settings.TlsKey] = key;
            }
            var spec = LocalServices.Prepare(Services.Console, swaps with { ConsoleOperators = json }, settings);
            return (spec, listen, spec.Environment[ConsoleOptions.Settings.Operators + Setting.FileSuffix]!);
        }, "the console", Path.Combine(swaps.RunDirectory, "console.log"), portChosenHere, ct);
        return new LocalConsole(process, url, signIns, file, totp);
    }

    public static string NewPassword() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))
            .Replace('+', 'x').Replace('/', 'y');

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
