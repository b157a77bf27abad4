using System.CommandLine;
using System.Globalization;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Npgsql;

namespace ContestPipeline.Cpctl.Messages;

/// <summary>
/// cpctl outbox republish: has a worker's relay publish again what its outbox wrote since a time
/// (<see cref="OutboxRewind"/>), for messages the broker deleted before a consumer read them. The worker's own relay
/// sends them, signed with its keys; the consumers' inboxes apply what they had not, once, and skip the rest.
/// </summary>
public static class OutboxCommand
{
    public static Command Build()
    {
        var worker = new Option<string>("--worker")
        {
            Description = "the worker whose outbox to publish again", Required = true,
        };
        var fromTime = new Option<string>("--from-time")
        {
            Description = "publish again every row written at or after this time (ISO 8601, e.g. 2026-11-22T18:00Z)",
            Required = true,
        };
        var schema = new Option<string?>("--schema") { Description = "the worker's schema, if not its name" };
        var dryRun = new Option<bool>("--dry-run") { Description = "say what would be published; change nothing" };
        var by = AuditedAction.OperatorOption();
        var reason = AuditedAction.ReasonOption();
        var republish = new Command("republish",
            "move the worker's relay back to a time, so that it publishes every row written since then again "
            + "(every topic it writes, in order); consumers skip what they applied")
            { worker, fromTime, schema, dryRun, by, reason };
        republish.SetAction((parse, ct) =>
        {
            Task<int> Run(TextWriter output, TextWriter error) => RepublishAsync(parse.GetValue(worker)!,
                parse.GetValue(fromTime)!, parse.GetValue(schema), parse.GetValue(dryRun), output, error, ct);
            var subject = $"{parse.GetValue(worker)}'s outbox from {parse.GetValue(fromTime)}"
                + (parse.GetValue(schema) is { } s ? $" (schema {s})" : "");
            return AuditedAction.RunAsync("outbox republish", "outbox-republish", subject, parse.GetValue(by)!,
                parse.GetValue(reason), parse.GetValue(dryRun), Run, ct);
        });
        return new Command("outbox", "publish a worker's outbox again, to recover messages the broker deleted unread")
        {
            republish,
        };
    }

    public static async Task<int> RepublishAsync(string worker, string fromTime, string? schema, bool dryRun,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!Workers.All.ContainsKey(worker))
            return Fail(error, $"unknown worker '{worker}' (one of: {string.Join(", ", Workers.All.Keys)})");
        if (!DateTimeOffset.TryParse(fromTime, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var from))
            return Fail(error, $"--from-time '{fromTime}' is not an ISO 8601 time such as 2026-11-22T18:00:00Z");
        var pg = await ToolStartup.PostgresAsync("outbox");
        if (pg is null) return PipelineWorker.ExitStartupFailed;
        await using var dataSource = NpgsqlDataSource.Create(pg);
        return await RepublishAsync(dataSource, schema ?? worker, from, dryRun, output, error, ct);
    }

    /// <summary>The command on <paramref name="dataSource"/>, in <paramref name="schema"/>; the exit code.</summary>
    public static async Task<int> RepublishAsync(NpgsqlDataSource dataSource, string schema, DateTimeOffset from,
        bool dryRun, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!SqlNames.IsIdentifier(schema))
            return Fail(error, $"schema '{schema}' is not a plain lower-case SQL identifier; nothing was changed");
        OutboxRewind.Plan plan;
        try
        {
            plan = await OutboxRewind.RunAsync(dataSource, schema, from, dryRun, ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege
                                              or PostgresErrorCodes.UndefinedTable)
        {
            return Fail(error, $"schema {schema}: {e.MessageText}: run as the worker's own role or the migrator "
                + "(CONTESTPIPELINE_PG), on a schema the worker's migrations made; nothing was changed");
        }
        Report(output, schema, from, dryRun, plan);
        return 0;
    }

    private static void Report(TextWriter output, string schema, DateTimeOffset from, bool dryRun,
        OutboxRewind.Plan plan)
    {
        static string Iso(DateTimeOffset t) =>
            t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var at = Iso(from);
        if (plan.OldestKept is { } oldest && oldest > from)
            output.WriteLine($"warning: {schema}'s outbox keeps rows from "
                + $"{Iso(oldest)}: "
                + "rows written before were dropped by retention and cannot be published again");
        if (!plan.Moves)
        {
            output.WriteLine($"{schema}: nothing to publish again: no row written at or after {at} has been sent "
                + $"(the relay's mark is {plan.ReadThrough}); nothing was changed");
            return;
        }
        var topics = string.Join(", ", plan.ByTopic.Select(t => $"{t.Topic} {t.Rows:N0}"));
        output.WriteLine(dryRun
            ? $"dry run: {schema}'s relay would go back from {plan.ReadThrough} to {plan.NewReadThrough} and publish "
              + $"{plan.Rows:N0} row(s) again ({topics}); nothing was changed"
            : $"{schema}: the relay's mark moved back from {plan.ReadThrough} to {plan.NewReadThrough}: it publishes "
              + $"{plan.Rows:N0} row(s) again ({topics}), written since {at}; consumers skip what they applied");
        if (plan.First is { } first)
            output.WriteLine($"the first of them: message {first.MessageId}, written {Iso(first.WrittenAt)}"
                + " (a row's time is when the transaction that wrote it began, before it reached Kafka)");
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("outbox republish: " + message);
        return 1;
    }
}
