using System.Diagnostics;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// Where the cores went over one phase of a run: each named process of it, the run's Postgres backends, the Postgres
/// processes that exited meanwhile, and the rest (Postgres's own processes, and the machine's other work).
/// </summary>
public sealed class CpuUse
{
    private readonly string _database;
    private readonly List<(string Name, int Pid)> _processes;
    private readonly TimeSpan[] _before;
    private readonly Dictionary<int, TimeSpan> _postgresBefore;
    private readonly int _postmaster;
    private readonly TimeSpan _exitedBefore;
    private readonly TimeSpan _busyBefore;
    private readonly long _startedAt;

    private CpuUse(string database, List<(string Name, int Pid)> processes)
    {
        _database = database;
        _processes = processes;
        _before = [.. processes.Select(p => BenchSetup.CpuTime(p.Pid))];
        _busyBefore = BenchSetup.MachineBusyTime();
        _postgresBefore = BenchSetup.PostgresCpu(database);
        _postmaster = _postgresBefore.Keys.Select(BenchSetup.ParentOf).FirstOrDefault(p => p > 0);
        _exitedBefore = _postmaster > 0 ? BenchSetup.ExitedChildrenCpuTime(_postmaster) : TimeSpan.Zero;
        _startedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts counting now, for <paramref name="processes"/> and the backends serving
    /// <paramref name="database"/>.</summary>
    public static CpuUse Start(string database, IEnumerable<(string Name, int Pid)> processes) =>
        new(database, [.. processes]);

    /// <summary>Prints (and reports) the CPU each used since <see cref="Start"/>, in core-seconds, during
    /// <paramref name="phase"/>.</summary>
    public void Print(string phase, BenchReport report)
    {
        var elapsed = Stopwatch.GetElapsedTime(_startedAt);
        var used = _processes.Select((p, i) => (p.Name,
            Seconds: (BenchSetup.CpuTime(p.Pid) - _before[i]).TotalSeconds)).ToList();
        var busy = (BenchSetup.MachineBusyTime() - _busyBefore).TotalSeconds;
        used.Add(("Postgres (the run's backends)", BenchSetup.PostgresCpu(_database)
            .Sum(p => (p.Value - _postgresBefore.GetValueOrDefault(p.Key)).TotalSeconds)));
        // What the postmaster's children used that exited meanwhile: a parallel query's workers (whose title does not
        // name the database), autovacuum workers, closed connections (their whole life).
        if (_postmaster > 0)
            used.Add(("Postgres (processes that exited: parallel workers, autovacuum)",
                (BenchSetup.ExitedChildrenCpuTime(_postmaster) - _exitedBefore).TotalSeconds));
        used.Add(("the rest (Postgres's own processes, the machine's other work)", busy - used.Sum(u => u.Seconds)));
        var line = string.Join(", ", used.Select(u => $"{u.Name} {u.Seconds:F1}"));
        Console.WriteLine($"CPU while {phase} ({elapsed.TotalSeconds:F1} s × {Environment.ProcessorCount} cores = "
            + $"{elapsed.TotalSeconds * Environment.ProcessorCount:F1} core-s, {busy:F1} busy): {line}");
        report.Add($"CPU core-s ({phase})", line);
    }
}
