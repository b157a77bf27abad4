using System.CommandLine;
using System.Globalization;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using Npgsql;

namespace ContestPipeline.Cpctl.Restores;

/// <summary>
/// cpctl restore record: tells a worker that its schema was restored from a copy, and when the copy was taken, before
/// the worker starts again. Written as the migrator (CONTESTPIPELINE_PG, as <c>cpctl migrate</c> runs) into the
/// schema's restores table (plumbing/0007), and in the audit trail (<see cref="AuditedAction"/>). Payout sends no
/// transfer and no refund until it has reconciled the restore with Stripe; the others keep the record.
/// </summary>
public static class RestoreCommand
{
    /// <summary>The longest clock difference a copy's time may be ahead of this tool's clock.</summary>
    public static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);

    public static Command Build()
    {
        var worker = new Option<string>("--worker")
        {
            Description = $"the worker whose schema was restored (one of {string.Join(", ", Workers.All.Keys)})",
            Required = true,
        };
        var copyTakenAt = new Option<string>("--copy-taken-at")
        {
            Description = "when the copy restored was taken (ISO 8601, e.g. 2026-11-22T18:00:00Z): when its pg_dump "
                + "began, or the point in time recovered to",
            Required = true,
        };
        var schema = new Option<string?>("--schema") { Description = "the worker's schema, if not its name" };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "check and say what would be recorded; change nothing",
        };
        var by = AuditedAction.OperatorOption();
        var reason = AuditedAction.ReasonOption();
        var record = new Command("record",
            "record that a worker's schema was restored from a copy, before the worker starts again: Payout then "
            + "sends nothing until it has reconciled the restore with Stripe")
            { worker, copyTakenAt, schema, dryRun, by, reason };
        record.SetAction((parse, ct) =>
        {
            var (w, at, s, dry, who, why) = (parse.GetValue(worker)!, parse.GetValue(copyTakenAt)!,
                parse.GetValue(schema), parse.GetValue(dryRun), parse.GetValue(by)!, parse.GetValue(reason));
            Task<int> Run(TextWriter output, TextWriter error) => RecordAsync(w, at, s, who, why ?? "", dry, output,
                error, ct);
            return AuditedAction.RunAsync("restore record", "restore-record",
                $"{w}'s schema{(s is null ? "" : $" ({s})")} restored from a copy taken {at}", who, why, dry, Run, ct);
        });
        return new Command("restore", "after restoring a worker's database from a copy (docs/operations.md)")
        {
            record,
        };
    }

    public static async Task<int> RecordAsync(string worker, string copyTakenAt, string? schema, string @operator,
        string reason, bool dryRun, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!Workers.All.ContainsKey(worker))
            return Fail(error, $"unknown worker '{worker}' (one of: {string.Join(", ", Workers.All.Keys)})");
        if (!DateTimeOffset.TryParse(copyTakenAt, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return Fail(error, $"--copy-taken-at '{copyTakenAt}' is not an ISO 8601 time such as 2026-11-22T18:00:00Z");
        var pg = await ToolStartup.PostgresAsync("restore");
        if (pg is null) return PipelineWorker.ExitStartupFailed;
        await using var dataSource = NpgsqlDataSource.Create(pg);
        return await RecordAsync(dataSource, worker, schema ?? worker, at, @operator, reason, dryRun, output, error,
            ct);
    }

    /// <summary>The command on <paramref name="dataSource"/>, in <paramref name="schema"/>; the exit code.</summary>
    public static async Task<int> RecordAsync(NpgsqlDataSource dataSource, string worker, string schema,
        DateTimeOffset copyTakenAt, string @operator, string reason, bool dryRun, TextWriter output, TextWriter error,
        CancellationToken ct)
    {
        if (!SqlNames.IsIdentifier(schema))
            return Fail(error, $"schema '{schema}' is not a plain lower-case SQL identifier; nothing was recorded");
        var now = OperatorTool.Clock.GetUtcNow();
        if (copyTakenAt > now + ClockSlack)
            return Fail(error, $"the copy's time {Iso(copyTakenAt)} is in the future (now {Iso(now)}); nothing was "
                + "recorded");
        DapperDefaults.Apply();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        DateTimeOffset? lastWritten;
        try
        {
            lastWritten = await RestoreRecordStore.LastWrittenAsync(connection, schema);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable
                                              or PostgresErrorCodes.InsufficientPrivilege)
        {
            return Fail(error, $"schema {schema}: {e.MessageText}: run as the migrator (CONTESTPIPELINE_PG) on a "
                + "schema its migrations made (cpctl migrate, which also adds the restores table to a copy older "
                + "than it); nothing was recorded");
        }
        if (lastWritten is { } last && last > copyTakenAt + ClockSlack)
            output.WriteLine($"warning: {schema}'s outbox holds a row written {Iso(last)}, after the copy's time: "
                + "did its worker run after the restore, or is --copy-taken-at later than that?");
        var id = $"restore-{now.UtcDateTime:yyyyMMddTHHmmssfffZ}-{OperatorTool.NewId()[..8]}";
        if (dryRun)
        {
            output.WriteLine($"dry run: would record restore {id} of {schema} from a copy taken {Iso(copyTakenAt)}; "
                + "nothing was recorded");
            return 0;
        }
        await RestoreRecordStore.RecordAsync(connection, schema, id, copyTakenAt, now, @operator, reason);
        output.WriteLine($"{schema}: restore {id} recorded (copy taken {Iso(copyTakenAt)}, by {@operator})");
        output.WriteLine(worker == "payout"
            ? "payout sends no transfer and no refund until it has read Stripe's transfers and refunds since "
              + $"{Iso(copyTakenAt - TimeSpan.FromHours(48))} and adopted those of its payouts and refunds; "
              + "start it now"
            : $"{worker} keeps the record; start it now (docs/operations.md: what it reads again)");
        return 0;
    }

    private static string Iso(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("restore record: " + message);
        return 1;
    }
}
