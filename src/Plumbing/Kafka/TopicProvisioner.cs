using System.Globalization;
using ContestPipeline.Contracts;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>
/// Makes the cluster's topics match the topic list as far as is safe: creates what is missing,
/// and reports, never changes, what differs (a partition count can only grow and re-keys
/// every contest when it does; a retention change is an operator's decision). Running it
/// again changes nothing.
/// </summary>
public static class TopicProvisioner
{
    /// <summary>
    /// Applies the list and prints the report: exit code 0, or 1 with one line naming the cluster
    /// when it could not be applied.
    /// </summary>
    public static async Task<int> RunAsync(ITopicAdmin admin, IReadOnlyList<TopicSpec> specs, bool dryRun,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        try
        {
            var report = await ApplyAsync(admin, specs, dryRun, ct);
            foreach (var line in report.Lines) await output.WriteLineAsync(line);
            return 0;
        }
        catch (Exception e)
            when (e is Confluent.Kafka.KafkaException or InvalidOperationException or HttpRequestException)
        {
            await error.WriteLineAsync($"topics: could not apply the topic list via {admin.Description}: {e.Message}");
            return 1;
        }
    }

    public static async Task<TopicReport> ApplyAsync(ITopicAdmin admin, IReadOnlyList<TopicSpec> specs, bool dryRun,
        CancellationToken ct)
    {
        var existing = await admin.DescribeAsync([.. specs.Select(s => s.Name)], ct);
        var created = new List<string>();
        var unchanged = new List<string>();
        var differences = new List<string>();
        var lines = new List<string>
        {
            $"topics: {specs.Count} in the list, via {admin.Description}"
            + $"{(dryRun ? " (dry run: nothing created)" : "")}",
        };
        foreach (var spec in specs)
        {
            if (!existing.TryGetValue(spec.Name, out var topic))
            {
                if (!dryRun) await admin.CreateAsync(spec, ct);
                created.Add(spec.Name);
                lines.Add($"{(dryRun ? "would create" : "created"),-12} {spec.Name} ({Describe(spec)})");
                continue;
            }
            var diffs = Compare(spec, topic).ToList();
            if (diffs.Count == 0)
            {
                unchanged.Add(spec.Name);
                lines.Add($"{"ok",-12} {spec.Name}");
                continue;
            }
            foreach (var d in diffs) differences.Add($"{spec.Name}: {d}");
            lines.Add($"{"differs",-12} {spec.Name}: {string.Join("; ", diffs)}");
        }
        if (admin.Limitation is { } limitation) lines.Add("note: " + limitation);
        var differing = specs.Count - created.Count - unchanged.Count;
        lines.Add($"{created.Count} {(dryRun ? "to create" : "created")}, {unchanged.Count} as listed, "
            + $"{differing} differing (reported, not changed: see docs/operations.md)");
        return new TopicReport(created, unchanged, differences, lines);
    }

    public static string Describe(TopicSpec spec) => string.Create(CultureInfo.InvariantCulture,
        $"partitions {spec.Partitions}, replication {spec.ReplicationFactor}, "
        + $"min.insync.replicas {spec.MinInsyncReplicas}, retention {spec.RetentionMs / TopicCatalog.DayMs} d, "
        + $"cleanup {spec.CleanupPolicy}");

    private static IEnumerable<string> Compare(TopicSpec spec, ExistingTopic topic)
    {
        if (topic.Partitions != spec.Partitions)
            yield return $"partitions {topic.Partitions}, the list says {spec.Partitions}";
        if (topic.ReplicationFactor != spec.ReplicationFactor)
            yield return $"replication {topic.ReplicationFactor}, the list says {spec.ReplicationFactor}";
        if (topic.Configs is null) yield break;
        foreach (var (name, want) in spec.Configs)
        {
            var have = topic.Configs.GetValueOrDefault(name);
            if (have != want) yield return $"{name} {have ?? "(unset)"}, the list says {want}";
        }
    }
}
