using System.Text.RegularExpressions;
using ContestPipeline.Deployment;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// What a worker's log says about its consumers: which of them the broker has given
/// partitions (each consumer's "Consumer a assigned t [[0]], ..." line, undone by its
/// "revoked" line). Read by the tests and the local tooling to know that a worker is ready
/// to take messages, instead of guessing how long its start takes.
/// </summary>
public static partial class WorkerLog
{
    /// <summary>The consumers that have joined their group now (their last assignment line, perhaps of no partition, is
    /// later than their last revocation).</summary>
    public static IReadOnlySet<string> Assigned(string logPath)
    {
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in ReadLines(logPath))
        {
            var m = AssignmentLine().Match(line);
            if (!m.Success) continue;
            if (m.Groups["what"].Value == "assigned") assigned.Add(m.Groups["consumer"].Value);
            else assigned.Remove(m.Groups["consumer"].Value);
        }
        return assigned;
    }

    /// <summary>The consumers of <paramref name="worker"/> that do not hold partitions yet, by its log.</summary>
    public static IReadOnlyList<string> NotReady(string worker, string logPath)
    {
        var assigned = Assigned(logPath);
        return [.. Workers.All[worker].Consumers.Select(c => c.Consumer).Where(c => !assigned.Contains(c))];
    }

    private static List<string> ReadLines(string path)
    {
        var lines = new List<string>();
        if (!File.Exists(path)) return lines;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    // A consumer with no partition (a second instance, of a topic with one partition) is
    // assigned nothing, and has joined its group all the same. The line is plain text, or a JSON
    // object (compose's log format) whose message comes first.
    [GeneratedRegex(@"Consumer (?<consumer>[^\s""]+) (?<what>assigned|revoked)( \S+ \[\[|\s*$|\s*"")")]
    private static partial Regex AssignmentLine();
}
