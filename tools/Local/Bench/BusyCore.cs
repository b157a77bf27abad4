using System.Diagnostics;
using System.Globalization;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// What one pass of a benchmark measured: its headline figures, as printed, and the correctness
/// checks that failed (none when every check held: nothing lost, no late refund, every payout once ...).
/// </summary>
public sealed class BenchReport
{
    public List<(string Name, string Value)> Figures { get; } = [];
    public List<string> Failed { get; } = [];
    public bool ChecksHeld => Failed.Count == 0;

    public void Add(string name, string value) => Figures.Add((name, value));

    public void Check(bool held, string what)
    {
        if (!held) Failed.Add(what);
    }
}

/// <summary>
/// Runs a benchmark once as it is (the quiet pass, whose figures the targets are judged on), and
/// with <c>--busy-core</c> once more while a busy loop spins on one core (the last one), pinned
/// there, as another tenant of the machine would: then prints both passes' figures side by side,
/// with the load average each saw. The run fails if a correctness check fails in either pass.
/// Nothing else runs quiet on a shared machine; the load average says how quiet a pass was.
/// </summary>
public static class BusyCore
{
    public const string Option = "--busy-core";

    public static async Task<int> RunAsync(string bench, bool busyCore,
        Func<CancellationToken, Task<BenchReport?>> pass,
        CancellationToken ct)
    {
        var quiet = await PassAsync(bench, "pass 1: as the machine is", pass, ct);
        if (quiet.Report is null) return Plumbing.Hosting.PipelineWorker.ExitStartupFailed;
        if (!busyCore) return quiet.Report.ChecksHeld ? 0 : 1;

        var core = Environment.ProcessorCount - 1;
        (BenchReport? Report, string Load, string? Error) busy;
        using (BusyLoop.Start(core))
            busy = await PassAsync(bench, $"pass 2: a busy loop pinned to core {core} of {Environment.ProcessorCount}",
                pass, ct);
        Summarize(bench, quiet, busy, core);
        return quiet.Report.ChecksHeld && busy.Report is { ChecksHeld: true } ? 0 : 1;
    }

    private static async Task<(BenchReport? Report, string Load, string? Error)> PassAsync(string bench, string what,
        Func<CancellationToken, Task<BenchReport?>> pass, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"== bench {bench}, {what}; {Stamp()}; load average {LoadAverage()}");
        var before = LoadAverage();
        try
        {
            var report = await pass(ct);
            var load = $"{before} → {LoadAverage()}";
            Console.WriteLine($"== load average (1, 5, 15 min) at start → end: {load}");
            return (report, load, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.WriteLine($"bench FAILED in this pass: {e.Message}");
            return (new BenchReport { Failed = { e.Message } }, $"{before} → {LoadAverage()}", e.Message);
        }
    }

    private static void Summarize(string bench, (BenchReport? Report, string Load, string? Error) quiet,
        (BenchReport? Report, string Load, string? Error) busy, int core)
    {
        var q = quiet.Report!;
        var b = busy.Report ?? new BenchReport();
        Console.WriteLine();
        Console.WriteLine($"bench {bench}: both passes ({Stamp()})");
        var names = q.Figures.Select(f => f.Name).Concat(b.Figures.Select(f => f.Name)).Distinct().ToList();
        var width = Math.Max(24, names.Count == 0 ? 0 : names.Max(n => n.Length) + 2);
        // The first pass's column as wide as its longest value (a per-process CPU line runs long), so the two never
        // touch.
        var column = Math.Max(28, names.Select(n => Value(q, n).Length).Append(Checks(q).Length).Max() + 3);
        Console.WriteLine("".PadRight(width) + "as the machine is".PadRight(column) + $"+ a busy loop on core {core}");
        foreach (var name in names)
            Console.WriteLine(name.PadRight(width) + Value(q, name).PadRight(column) + Value(b, name));
        Console.WriteLine("checks".PadRight(width) + Checks(q).PadRight(column) + Checks(b));
        Console.WriteLine($"load average (1, 5, 15 min) at start → end: as is {quiet.Load}; busy loop {busy.Load}");
        foreach (var failed in q.Failed) Console.WriteLine("FAILED (as the machine is): " + failed);
        foreach (var failed in b.Failed) Console.WriteLine("FAILED (busy loop): " + failed);
    }

    private static string Value(BenchReport report, string name) =>
        report.Figures.LastOrDefault(f => f.Name == name).Value ?? "-";

    private static string Checks(BenchReport report) => report.ChecksHeld ? "held" : $"FAILED ({report.Failed.Count})";

    /// <summary>The date and the commit measured, for the record.</summary>
    public static string Stamp() =>
        $"{DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}, commit {Commit()}";

    private static string Commit()
    {
        // The commit the running build was made from (the SDK writes it into the informational version).
        var version = typeof(BusyCore).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        if (version?.Split('+') is [_, var built, ..] && built.Length >= 7) return built[..7];
        try
        {
            var start = new ProcessStartInfo("git", ["-C", RepoPaths.Root, "rev-parse", "--short", "HEAD"])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(start)!;
            var sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && sha.Length > 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no git)";
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages as the kernel gives them.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

/// <summary>
/// A process spinning without pause, pinned to one core: what a busy neighbour does to the
/// pipeline on a machine it shares. Killed when disposed.
/// </summary>
public sealed class BusyLoop : IDisposable
{
    private readonly Process _process;

    private BusyLoop(Process process) => _process = process;

    public static BusyLoop Start(int core)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException(
                $"{BusyCore.Option} pins a process to a core, which this tool does on Linux only");
        var process = Process.Start(new ProcessStartInfo("bash", ["-c", "while :; do :; done"]))
            ?? throw new InvalidOperationException("the busy loop could not be started");
        process.ProcessorAffinity = (IntPtr)(1L << core);
        return new BusyLoop(process);
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
