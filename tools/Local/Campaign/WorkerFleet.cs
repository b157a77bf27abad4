using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Stripe;
using ContestPipeline.Deployment;

namespace ContestPipeline.Local.Campaign;

/// <summary>
/// The four workers as OS processes, each with its identity from the deployment's definition,
/// <paramref name="instances"/> of each behind the same consumer groups (as production scales
/// them), kept running: one that dies (killed, or at a crash point) is started again after a
/// short pause, sometimes armed with a test-only crash point so that it dies again at a moment
/// random kills rarely hit. <paramref name="settings"/> are the campaign's own, on top.
/// </summary>
public sealed class WorkerFleet(LocalSwaps swaps, IReadOnlyDictionary<string, string?> settings, string logDirectory,
    Random random, int instances = 1)
    : IAsyncDisposable
{
    /// <summary>Crash points by worker: between a Stripe call and its record, a commit and its offset, a produce and
    /// its mark.</summary>
    private static readonly string[] Messaging = [CrashPoints.ConsumerAfterCommit, CrashPoints.RelayMidProduce,
        CrashPoints.RelayAfterProduce];

    private static readonly Dictionary<string, string[]> CrashPointsOf = new()
    {
        ["ingestion"] = Messaging,
        ["scoring"] = Messaging,
        ["settlement"] = [.. Messaging, CrashPoints.SettlementMidChunk],
        ["payout"] =
            [CrashPoints.PayoutAfterStripeCall, CrashPoints.PayoutAfterSubmitting, CrashPoints.ConsumerAfterCommit],
    };

    /// <summary>
    /// Each process that calls Stripe gets its share of the account's one budget, as compose gives
    /// them (<see cref="StripeBudget.Split"/>, four fifths of the limit for headroom): with two
    /// instances each, the processes' defaults would add up to twice the server's limit.
    /// </summary>
    private readonly Dictionary<(string Name, int Instance), StripeBudget.Share> _stripeShares =
        SplitStripe(settings, instances);

    private static Dictionary<(string Name, int Instance), StripeBudget.Share> SplitStripe(
        IReadOnlyDictionary<string, string?> settings, int instances)
    {
        var account = int.TryParse(settings.GetValueOrDefault(StripeServices.AccountRateVariable), out var limit)
            ? limit : Services.StripeAccountRequestsPerSecond;
        (string Name, int Weight)[] callers = [("ingestion", 2), ("payout", 3), ("settlement", 1)];
        var workers = callers.SelectMany(c => Enumerable.Range(1, instances)
            .Select(i => (Worker: (c.Name, i), c.Weight))).ToList();
        // Split answers in the order it was asked.
        var shares = StripeBudget.Split(account * 4 / 5, [.. workers.Select(w => (Label(w.Worker), w.Weight))]);
        return workers.Zip(shares).ToDictionary(p => p.First.Worker, p => p.Second);
    }

    /// <summary>Running processes by (worker, instance number).</summary>
    private readonly Dictionary<(string Name, int Instance), ChildProcess> _running = new();
    private readonly Lock _gate = new();
    private int _generation;

    /// <summary>SIGKILLs sent by the campaign.</summary>
    public int Kills { get; private set; }

    /// <summary>Workers started again after dying, whether killed or at a crash point.</summary>
    public int Restarts { get; private set; }
    public int ArmedCrashPoints { get; private set; }

    /// <summary>Workers that stopped by themselves on a bug (exit code 1): each is a failure of the run, with its
    /// log.</summary>
    public IReadOnlyList<string> StoppedOnBug => _stoppedOnBug;

    private readonly List<string> _stoppedOnBug = [];

    /// <summary>Starts in a row that Postgres refused, by worker; past the bound the run stops.</summary>
    private readonly Dictionary<(string Name, int Instance), int> _refusedStarts = [];

    private const int RefusedStartsMax = 30;
    private static readonly TimeSpan RefusedStartBackoff = TimeSpan.FromSeconds(1);

    public void StartAll()
    {
        foreach (var name in Workers.Names)
            for (var i = 1; i <= instances; i++) Start((name, i), crashAt: null);
    }

    public int Instances => instances;

    private static string Label((string Name, int Instance) worker) =>
        worker.Instance == 1 ? worker.Name : $"{worker.Name}#{worker.Instance}";

    private void Start((string Name, int Instance) worker, string? crashAt)
    {
        var name = worker.Name;
        var env = new Dictionary<string, string?>(settings) { [CrashPoints.Variable] = crashAt };
        if (_stripeShares.TryGetValue(worker, out var share))
        {
            env[StripeServices.RateVariable] =
                share.RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
            env[StripeServices.BurstVariable] = share.Burst.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var log = Path.Combine(logDirectory,
            $"{Label(worker).Replace('#', '-')}-{Interlocked.Increment(ref _generation):000}.log");
        lock (_gate) _running[worker] = LocalServices.Start(Services.Of(name), swaps, log, env, label: Label(worker));
    }

    /// <summary>The log of the process now running as that instance, if any.</summary>
    public string? LogOf(string name, int instance)
    {
        lock (_gate) return _running.TryGetValue((name, instance), out var p) && !p.HasExited ? p.LogPath : null;
    }

    /// <summary>SIGKILLs a random worker instance.</summary>
    public Task<string> KillRandomAsync() =>
        KillAsync(Workers.Names[random.Next(Workers.Names.Count)], 1 + random.Next(instances));

    /// <summary>SIGKILLs one instance of a worker (started again by <see cref="ReviveAsync"/>).</summary>
    public async Task<string> KillAsync(string name, int instance)
    {
        var worker = (name, instance);
        ChildProcess? process;
        lock (_gate) _running.TryGetValue(worker, out process);
        if (process is null || process.HasExited) return Label(worker) + " (already down)";
        await process.KillAsync();
        Kills++;
        return Label(worker);
    }

    /// <summary>Workers stopped on purpose (<see cref="StopAsync"/>): not started again until
    /// <see cref="ResumeAsync"/>.</summary>
    private readonly HashSet<string> _held = [];

    /// <summary>One of reviving, stopping and resuming at a time: a revival never starts a worker being
    /// stopped.</summary>
    private readonly SemaphoreSlim _acting = new(1, 1);

    /// <summary>
    /// Stops every instance of a worker, as <c>docker-compose stop</c> does (SIGTERM, then SIGKILL after the grace),
    /// and keeps it down, whatever dies meanwhile, until <see cref="ResumeAsync"/>.
    /// </summary>
    public async Task StopAsync(string name)
    {
        await _acting.WaitAsync();
        try { await StopHeldAsync(name); }
        finally { _acting.Release(); }
    }

    private async Task StopHeldAsync(string name)
    {
        List<ChildProcess> stopping;
        lock (_gate)
        {
            _held.Add(name);
            stopping = [.. _running.Where(r => r.Key.Name == name).Select(r => r.Value)];
        }
        foreach (var process in stopping) await process.StopAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>Starts every instance of a worker stopped by <see cref="StopAsync"/> again, without crash
    /// points.</summary>
    public async Task ResumeAsync(string name)
    {
        await _acting.WaitAsync();
        try { await ResumeHeldAsync(name); }
        finally { _acting.Release(); }
    }

    private async Task ResumeHeldAsync(string name)
    {
        List<((string Name, int Instance) Worker, ChildProcess Process)> stopped;
        lock (_gate)
        {
            _held.Remove(name);
            stopped = [.. _running.Where(r => r.Key.Name == name).Select(r => (r.Key, r.Value))];
        }
        foreach (var (worker, process) in stopped)
        {
            await process.DisposeAsync();
            Start(worker, crashAt: null);
        }
    }

    /// <summary>Starts every worker that is down; a third of restarts arm a crash point.</summary>
    public async Task ReviveAsync()
    {
        await _acting.WaitAsync();
        try { await ReviveDeadAsync(); }
        finally { _acting.Release(); }
    }

    private async Task ReviveDeadAsync()
    {
        List<((string Name, int Instance) Worker, ChildProcess Process)> dead;
        lock (_gate)
            dead = [.. _running.Where(r => r.Value.HasExited && !_held.Contains(r.Key.Name))
                .Select(r => (r.Key, r.Value))];
        foreach (var (worker, process) in dead)
        {
            var name = worker.Name;
            // A worker that cannot start because of its settings would only fail again: the run
            // stops with its one line. Postgres refusing it is a moment's state (the campaign
            // restarts Postgres; on a shared machine its connection slots can run out for a
            // while), so that start is tried again, up to a bound. One that stopped on a bug is
            // restarted, and reported.
            if (process.ExitCode == PipelineWorker.ExitStartupFailed)
            {
                var line = LastLine(process.LogPath);
                var refusedBefore = _refusedStarts.GetValueOrDefault(worker);
                if (!line.Contains("Postgres unreachable", StringComparison.Ordinal)
                    || refusedBefore >= RefusedStartsMax)
                    throw new InvalidOperationException($"{Label(worker)} could not start: {line}");
                _refusedStarts[worker] = refusedBefore + 1;
                await process.DisposeAsync();
                await Task.Delay(RefusedStartBackoff);
                Start(worker, crashAt: null);
                continue;
            }
            _refusedStarts.Remove(worker);
            if (process.ExitCode == PipelineWorker.ExitStopped)
                _stoppedOnBug.Add($"{Label(worker)}: {LastLine(process.LogPath)} ({process.LogPath})");
            await process.DisposeAsync();
            string? crashAt = null;
            if (random.Next(3) == 0)
            {
                var points = CrashPointsOf[name];
                crashAt = $"{points[random.Next(points.Length)]}:{1 + random.Next(5)}";
                ArmedCrashPoints++;
            }
            Start(worker, crashAt);
            Restarts++;
        }
    }

    /// <summary>Restarts every worker without crash points, for the quiet end of a run.</summary>
    public async Task CalmAsync()
    {
        await _acting.WaitAsync();
        try { await CalmAllAsync(); }
        finally { _acting.Release(); }
    }

    private async Task CalmAllAsync()
    {
        List<((string Name, int Instance) Worker, ChildProcess Process)> all;
        lock (_gate) all = [.. _running.Where(r => !_held.Contains(r.Key.Name)).Select(r => (r.Key, r.Value))];
        foreach (var (worker, process) in all)
        {
            await process.KillAsync();
            await process.DisposeAsync();
            Start(worker, crashAt: null);
        }
    }

    private static string LastLine(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // JSON logs (compose's format) end with the host's shutdown lines: the critical line says why.
            return lines.LastOrDefault(l => l.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal))
                ?? lines.LastOrDefault() ?? "(no output)";
        }
        catch (IOException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ChildProcess> all;
        lock (_gate) all = [.. _running.Values];
        foreach (var p in all) await p.DisposeAsync();
        _acting.Dispose();
    }
}
