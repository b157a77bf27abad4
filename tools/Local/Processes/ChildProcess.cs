using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// A pipeline process started by the operator tool or a test: a .NET assembly run with
/// `dotnet`, its output appended to a log file, stoppable gracefully (SIGTERM) or killed
/// outright (SIGKILL).
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Action<string>? _onLine;

    public string Name { get; }
    public string LogPath { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    private ChildProcess(string name, Process process, string logPath, Action<string>? onLine)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _onLine = onLine;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static ChildProcess StartDotnet(string name, string assemblyPath, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?> environment, string logPath, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        // A null value unsets the variable: the child does not inherit it.
        foreach (var (k, v) in environment)
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        return new ChildProcess(name, process, logPath, onLine);
    }

    private void Line(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
        _onLine?.Invoke(line);
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        _ = Kill(_process.Id, 15);
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { await KillAsync(); }
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15));
        _process.WaitForExit();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
