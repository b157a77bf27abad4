using System.Text.RegularExpressions;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Architecture;

/// <summary>
/// docs/architecture.md's "Follow one dollar" lists the files one dollar passes through, each
/// with the type that does the work there. The table is only worth reading while it is true:
/// every file it names exists and declares the type it names, and no file is listed twice.
/// </summary>
public sealed partial class DollarWalkTests
{
    private static readonly string DocPath = Path.Combine(RepoPaths.Root, "docs", "architecture.md");

    [Fact]
    public void Every_file_of_the_dollar_walk_exists_and_declares_the_type_the_walk_names()
    {
        var rows = WalkRows();
        Assert.True(rows.Count >= 10, $"the walk in {DocPath} has {rows.Count} rows; is its table still there?");
        var problems = new List<string>();
        foreach (var (number, file, type) in rows)
        {
            var path = Path.Combine(RepoPaths.Root, file);
            if (!File.Exists(path))
                problems.Add($"row {number}: {file} does not exist");
            else if (!Regex.IsMatch(File.ReadAllText(path),
                $@"\b(class|record|interface|enum|struct)\s+{Regex.Escape(type)}\b"))
                problems.Add($"row {number}: {file} declares no type {type}");
        }
        problems.AddRange(rows.GroupBy(r => r.File).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} is listed {g.Count()} times"));
        Assert.True(problems.Count == 0, "docs/architecture.md, Follow one dollar:\n" + string.Join("\n", problems));
        Assert.Equal(Enumerable.Range(1, rows.Count), rows.Select(r => r.Number));
    }

    /// <summary>The rows of the table under "## Follow one dollar": number, file and type, each in backticks.</summary>
    private static List<(int Number, string File, string Type)> WalkRows()
    {
        var text = File.ReadAllText(DocPath);
        var start = text.IndexOf("## Follow one dollar", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{DocPath} has no section \"## Follow one dollar\"");
        var next = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = next < 0 ? text[start..] : text[start..next];
        return [.. Row().Matches(section)
            .Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups[2].Value, m.Groups[3].Value))];
    }

    [GeneratedRegex(@"^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
