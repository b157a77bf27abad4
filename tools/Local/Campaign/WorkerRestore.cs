using System.Globalization;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Campaign;

/// <summary>
/// The campaign's restore of a worker's database: its schema copied by <c>pg_dump</c> at one moment and, later, while
/// the other faults go on, put back by the runbook of docs/operations.md ("Restore a worker's database"), step by
/// step as an operator runs it: the worker stopped (every instance), the schema dropped and restored as the migrator,
/// the migrate job run, Stripe moved past the 24 hours it keeps idempotency keys, <c>cpctl restore record</c> as the
/// migrator, <c>cpctl replay</c> of each of the worker's groups to the copy's time signed by an operator, the worker
/// started again. Each cpctl step is cpctl itself, a process of its own with compose's cpctl identity.
/// </summary>
internal sealed class WorkerRestore(LocalSwaps swaps, WorkerFleet fleet, string worker, Action<string> log)
{
    private const string Operator = LocalSigningKeys.DefaultOperator;
    private const string Reason = "fault campaign: restored from an earlier copy";
    private (string File, DateTimeOffset TakenAt)? _copy;
    private int _cpctlRuns;

    /// <summary>Restores made (each back to the one copy).</summary>
    public int Restores { get; private set; }

    public bool Copied => _copy is not null;

    private string Migrator => SchemaCopies.MigratorConnection(swaps.Postgres);

    /// <summary>Copies the worker's schema now.</summary>
    public async Task CopyAsync(CancellationToken ct)
    {
        var file = Path.Combine(swaps.RunDirectory, $"{worker}-copy.dump");
        var takenAt = await RetryAsync("pg_dump", () => SchemaCopies.CopyAsync(Migrator, worker, file, ct), ct);
        _copy = (file, takenAt);
        log($"[restore] {worker}'s schema copied (pg_dump) at {Iso(takenAt)}");
    }

    /// <summary>Puts the copy back by the runbook; the worker runs again when this returns.</summary>
    public async Task RestoreAsync(CancellationToken ct)
    {
        var (file, takenAt) = _copy ?? throw new InvalidOperationException($"{worker}'s schema was never copied");
        await fleet.StopAsync(worker);
        log($"[restore] {worker} stopped; its schema restored from the copy of {Iso(takenAt)}, with "
            + $"{swaps.Stripe.Ledger().Transfers.Count} transfers on Stripe since");
        try
        {
            await RetryAsync("pg_restore", async () =>
            {
                await SchemaCopies.RestoreAsync(Migrator, worker, file, ct);
                return true;
            }, ct);
            await RetryAsync("the migrate job", async () =>
            {
                await LocalServices.MigrateAsync(swaps, ct);
                return true;
            }, ct);
            swaps.Stripe.AdvanceClock(TimeSpan.FromHours(25));
            await CpctlAsync(asMigrator: true, ["restore", "record", "--worker", worker, "--copy-taken-at",
                Iso(takenAt), "--operator", Operator, "--reason", Reason], ct);
            foreach (var group in Workers.All[worker].Consumers.Select(c => c.Consumer))
                await CpctlAsync(asMigrator: false, ["replay", "--group", group, "--to-time", Iso(takenAt),
                    "--operator", Operator, "--reason", Reason], ct);
        }
        finally
        {
            await fleet.ResumeAsync(worker);
        }
        Restores++;
        log($"[restore] {worker} started again: restore recorded, its groups replayed to {Iso(takenAt)}, "
            + "Stripe 25 hours on");
    }

    /// <summary>
    /// cpctl with compose's cpctl identity (the read-only role, the operator's key), as the migrator for
    /// <c>restore record</c>. Tried again while the campaign's own faults (a broker down, Postgres restarting) fail it.
    /// </summary>
    private Task CpctlAsync(bool asMigrator, string[] arguments, CancellationToken ct) =>
        RetryAsync("cpctl " + string.Join(' ', arguments.Take(2)), async () =>
        {
            var label = $"cpctl-restore-{Interlocked.Increment(ref _cpctlRuns):00}";
            var spec = LocalServices.Prepare(Services.Cpctl, swaps, label: label) with { Arguments = arguments };
            if (asMigrator)
                spec = spec with
                {
                    Environment = new Dictionary<string, string?>(spec.Environment)
                    {
                        [PipelineSettings.PostgresVariable] = Migrator,
                        [PipelineSettings.PostgresPasswordVariable] = null,
                        [PipelineSettings.PostgresPasswordVariable + Setting.FileSuffix] = null,
                    },
                };
            var output = new List<string>();
            await using var cpctl = LocalServices.Start(spec, Path.Combine(swaps.RunDirectory, label + ".log"),
                line => { lock (output) output.Add(line); });
            await cpctl.WaitForExitAsync(ct);
            if (cpctl.ExitCode != 0)
                throw new InvalidOperationException(
                    $"cpctl {string.Join(' ', arguments)} exited {cpctl.ExitCode}: {string.Join(" / ", output)}");
            log($"[restore] cpctl {string.Join(' ', arguments.Take(3))}: {output.LastOrDefault() ?? "(no output)"}");
            return true;
        }, ct);

    /// <summary>Tries <paramref name="act"/> up to 10 times, 3 s apart: the campaign's faults come and go.</summary>
    private async Task<T> RetryAsync<T>(string what, Func<Task<T>> act, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await act();
            }
            catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException && attempt < 10)
            {
                log($"[restore] {what} failed (attempt {attempt}), trying again: {e.Message}");
                await Task.Delay(TimeSpan.FromSeconds(3), ct);
            }
        }
    }

    private static string Iso(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
