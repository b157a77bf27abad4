using System.Text.RegularExpressions;
using ContestPipeline.Local.Processes;
using ContestPipeline.Cpctl.ContractDocs;

namespace ContestPipeline.Tests.Contracts;

/// <summary>One ```json block of a topic page, with the type it shows.</summary>
public sealed record PageExample(string Where, string Topic, string Type, string Json);

/// <summary>
/// Every example message on the topic pages (docs/topics/&lt;topic&gt;.md): each ```json block,
/// typed by the message types its section's heading names, else by a <c>type: X</c> header line
/// in the section, else by the topic's only type. A block whose type cannot be told is an error,
/// not a block to skip.
/// </summary>
public static partial class TopicPageExamples
{
    public static IReadOnlyList<PageExample> All() => [.. ContractModel.AllTopics.SelectMany(t => Of(t.Spec.Name))];

    private static IEnumerable<PageExample> Of(string topic)
    {
        var path = Path.Combine(RepoPaths.Root, "docs", "topics", topic + ".md");
        if (!File.Exists(path)) yield break;
        var contract = ContractModel.Topic(topic)!;
        var lines = File.ReadAllLines(path);
        var sectionTypes = new List<string>();
        var sectionHeaderType = (string?)null;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#'))
            {
                var named = Backticked().Matches(lines[i]).Select(m => m.Groups[1].Value)
                    .Where(contract.Types.Contains).ToList();
                // A subheading without a type ("When a definition is rejected") stays in its type's section.
                if (named.Count > 0 || lines[i].StartsWith("## ", StringComparison.Ordinal))
                {
                    sectionTypes = named;
                    sectionHeaderType = null;
                }
                continue;
            }
            if (TypeHeader().Match(lines[i]) is { Success: true } header
                && contract.Types.Contains(header.Groups[1].Value))
                sectionHeaderType = header.Groups[1].Value;
            if (lines[i] != "```json") continue;
            var start = i + 1;
            var end = Array.IndexOf(lines, "```", start);
            if (end < 0) throw new InvalidOperationException($"{path}:{i + 1}: a ```json block without its end");
            var where = $"docs/topics/{topic}.md:{i + 1}";
            var types = sectionTypes.Count > 0 ? sectionTypes
                : sectionHeaderType is not null ? [sectionHeaderType]
                : contract.Types.Count == 1 ? [contract.Types[0]]
                : throw new InvalidOperationException(
                    $"{where}: cannot tell which message type this example is: name it in the section's heading");
            foreach (var type in types)
                yield return new PageExample(where, topic, type, string.Join("\n", lines[start..end]));
            i = end;
        }
    }

    [GeneratedRegex("`([A-Za-z]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^\s*(?:headers:)?\s*type: ([A-Za-z]+)\s*$")]
    private static partial Regex TypeHeader();
}
