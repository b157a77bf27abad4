using System.Diagnostics;
using System.Globalization;
using ContestPipeline.Ingestion.Handlers;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Local.Fuzz;
using ContestPipeline.Settlement.Domain;

namespace ContestPipeline.Operator.Commands;

/// <summary>
/// cpctl fuzz feed|prizes: the property checks the tests run on a few seeded cases, run on as
/// many as asked. The same seed and case number is always the same input, so a failure
/// printed here is replayed with <c>--seed S --from I --cases 1</c> or in a test.
/// </summary>
public static class FuzzCommand
{
    public const int FailuresShown = 5;

    public static int Feed(int cases, int seed, int from)
    {
        if (!Valid(cases, from, out var error)) return Fail(error);
        var clock = Stopwatch.StartNew();
        var summary = FeedFuzz.Run(seed, cases, failuresKept: FailuresShown, from: from);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"feed fuzz: seed {seed}, cases {from} to {from + cases - 1}: {cases:N0} cases run, {summary.Messages:N0} messages " +
            $"({summary.Accepted:N0} accepted, {summary.Rejected:N0} rejected, {summary.DroppedQuietly:N0} dropped as re-sends), " +
            $"{summary.FailedCases:N0} failures, {clock.Elapsed.TotalSeconds:F1} s"));
        return Report(summary.FailedCases, summary.Failures);
    }

    public static int Prizes(int cases, int seed, int from)
    {
        if (!Valid(cases, from, out var error)) return Fail(error);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var failed = 0;
        for (var i = from; i < from + cases; i++)
        {
            if (PrizeSimulation.RunCase(seed, i) is not { } failure) continue;
            failed++;
            if (failures.Count < FailuresShown) failures.Add(failure);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prize fuzz: seed {seed}, cases {from} to {from + cases - 1}: {cases:N0} cases run, {failed:N0} failures, {clock.Elapsed.TotalSeconds:F1} s"));
        return Report(failed, failures);
    }

    private static bool Valid(int cases, int from, out string error)
    {
        error = cases < 1 ? "--cases must be 1 or more" : from < 0 ? "--from must be 0 or more" : (long)from + cases > int.MaxValue ? "--from + --cases is too large" : "";
        return error.Length == 0;
    }

    private static int Report(int failed, IReadOnlyList<string> failures)
    {
        foreach (var f in failures) Console.WriteLine(f);
        if (failed > failures.Count) Console.WriteLine($"... and {failed - failures.Count} more failing cases");
        return failed == 0 ? 0 : 1;
    }

    private static int Fail(string error)
    {
        Console.Error.WriteLine("fuzz: " + error);
        return 2;
    }
}
