using System.Diagnostics;
using System.Net.Sockets;
using ContestPipeline.Local.Processes;
using MimeKit;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback: Debian's aiosmtpd (python3-aiosmtpd, installed by ./run test
/// through build/smtp-server.sh), storing what it accepts in a Maildir the test reads.
/// </summary>
public sealed class LocalSmtpServer : IAsyncDisposable
{
    public const string PythonVariable = "CONTESTPIPELINE_SMTP_PYTHON";

    private readonly Process _process;
    private readonly string _maildir;

    private LocalSmtpServer(Process process, int port, string maildir)
    {
        _process = process;
        Port = port;
        _maildir = maildir;
    }

    public int Port { get; }

    public static async Task<LocalSmtpServer> StartAsync(string directory, int? port = null)
    {
        var python = Environment.GetEnvironmentVariable(PythonVariable) ?? "/usr/bin/python3";
        var chosen = port ?? LocalConsole.FreePort();
        var maildir = Path.Combine(directory, $"maildir-{chosen}");
        var info = new ProcessStartInfo(python)
            { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
            { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{chosen}", "-c", "aiosmtpd.handlers.Mailbox", maildir })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)
            ?? throw new InvalidOperationException($"could not start {python} -m aiosmtpd");
        var server = new LocalSmtpServer(process, chosen, maildir);
        await Eventually.UntilAsync(() => Task.FromResult(server.Listening()),
            $"aiosmtpd listening on 127.0.0.1:{chosen} (python3-aiosmtpd installed? build/smtp-server.sh)",
            TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>Every message the server has accepted, parsed.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var folder = Path.Combine(_maildir, "new");
        if (!Directory.Exists(folder)) return [];
        return [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))];
    }

    private bool Listening()
    {
        if (_process.HasExited)
            throw new InvalidOperationException(
                $"aiosmtpd exited with code {_process.ExitCode}: {_process.StandardError.ReadToEnd()}");
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
