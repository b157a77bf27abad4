using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Cpctl.Messages;

/// <summary>
/// The commands that move messages rather than decide (replay, dlq redrive, outbox republish) in the audit trail like
/// a decision: who, why, on what, and what came of it. The operator's key is checked and the request recorded before
/// anything changes (no record, no change); what the command printed is recorded after it, failed or not. A dry run
/// changes nothing and is not recorded.
/// </summary>
public static class AuditedAction
{
    /// <summary>The most of a command's output an outcome record keeps.</summary>
    public const int OutcomeCharsMax = 4_000;

    public static Option<string> OperatorOption() =>
        OperatorTool.OperatorOption("who acts (recorded in the audit trail; not needed with --dry-run)");

    public static Option<string?> ReasonOption() =>
        new("--reason") { Description = "why (recorded in the audit trail; required unless --dry-run)" };

    /// <summary>
    /// Runs <paramref name="act"/> (given the writers for its output and errors) as <paramref name="operator"/>, with
    /// the request and its outcome in the audit trail as two records of <paramref name="action"/>: the request's id,
    /// and that id with <c>/outcome</c>; a dry run on the console alone. Returns the command's exit code, or 1 when the
    /// outcome could not be recorded.
    /// </summary>
    public static async Task<int> RunAsync(string command, string action, string subject, string @operator,
        string? reason, bool dryRun, Func<TextWriter, TextWriter, Task<int>> act, CancellationToken ct)
    {
        if (dryRun) return await act(Console.Out, Console.Error);
        if (OperatorTool.OperatorRefusal(@operator, OperatorTool.KeyOperator()) is { } refusal)
            return await OperatorTool.FailAsync(command, refusal);
        if (string.IsNullOrWhiteSpace(reason))
            return await OperatorTool.FailAsync(command, "--reason is required: the audit trail records who did "
                + "this and why; nothing was changed (a --dry-run needs none)");
        await using var tool = await OperatorTool.OpenAsync(command, @operator);
        if (tool is null) return 1;
        var id = OperatorTool.NewId();
        if (await RecordAsync(tool, @operator, id, action, subject, reason, "requested", ct) is { } notRecorded)
            return await OperatorTool.FailAsync(command,
                $"the request could not be recorded in the audit trail ({notRecorded}); nothing was changed");

        var printed = new StringWriter(CultureInfo.InvariantCulture);
        var code = await act(new Copying(Console.Out, printed), new Copying(Console.Error, printed));
        var outcome = (code == 0 ? "done: " : $"failed (exit {code}): ") + Summary(printed.ToString());
        if (await RecordAsync(tool, @operator, id + "/outcome", action, subject, reason, outcome, ct) is not { } lost)
            return code;
        await OperatorTool.FailAsync(command, $"the outcome could not be recorded in the audit trail ({lost}); "
            + $"the request was, as action {id}: record what happened by hand");
        return code == 0 ? 1 : code;
    }

    /// <summary>What the command printed, one line after another, at most <see cref="OutcomeCharsMax"/>.</summary>
    public static string Summary(string printed)
    {
        var lines = string.Join(" / ", printed.Split('\n', StringSplitOptions.RemoveEmptyEntries
            | StringSplitOptions.TrimEntries));
        return lines.Length <= OutcomeCharsMax ? lines : lines[..(OutcomeCharsMax - 1)] + "…";
    }

    private static async Task<string?> RecordAsync(OperatorTool tool, string @operator, string id, string action,
        string subject, string reason, string outcome, CancellationToken ct)
    {
        try
        {
            await tool.AuditAsync(@operator, id, action, subject, reason, outcome, ct);
            return null;
        }
        catch (Exception e) when (e is KafkaException or StartupException or OperationCanceledException)
        {
            return e.Message;
        }
    }

    /// <summary>Writes to the console and to a copy kept for the outcome record.</summary>
    private sealed class Copying(TextWriter console, TextWriter copy) : TextWriter
    {
        public override Encoding Encoding => console.Encoding;

        public override void Write(char value)
        {
            console.Write(value);
            lock (copy) copy.Write(value);
        }

        public override void Write(string? value)
        {
            console.Write(value);
            lock (copy) copy.Write(value);
        }

        public override void WriteLine(string? value)
        {
            console.WriteLine(value);
            lock (copy) copy.WriteLine(value);
        }
    }
}
