using System.CommandLine;
using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Deployment;

namespace ContestPipeline.Cpctl.Messages;

/// <summary>
/// cpctl replay: asks workers to read consumer groups of theirs again (from the beginning, an offset or a time). It
/// publishes one signed request per group (<see cref="ConsumerRewindRequested"/> on <c>workers.rewinds</c>); the
/// worker applies it itself when it next starts, before its consumers take partitions, by lowering its own stored
/// positions, never raising one, and only within the request's lifetime. cpctl joins no worker's consumer group and
/// commits no offset: its credential can neither consume for a worker nor move its positions. Every consumer
/// applies a message through its inbox, so a replayed message that was applied is skipped: a replay moves no money
/// and changes no standing or settlement (invariant 4).
/// </summary>
public static class ReplayCommand
{
    public static Command Build()
    {
        var group = new Option<string?>("--group")
        {
            Description = "the worker's consumer group to rewind (e.g. scoring.games)",
        };
        var allWorkers = new Option<bool>("--all-workers") { Description = "every consumer group of every worker" };
        var topic = new Option<string?>("--topic") { Description = "only this topic of the group(s)" };
        var toBeginning = new Option<bool>("--to-beginning")
        {
            Description = "from the oldest message the broker still holds",
        };
        var toOffset = new Option<long?>("--to-offset") { Description = "from this offset in every partition" };
        var toTime = new Option<string?>("--to-time")
        {
            Description = "from the first message at or after this time (ISO 8601, e.g. 2026-11-22T18:00:00Z)",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "show the requests; publish nothing" };
        var by = AuditedAction.OperatorOption();
        var reason = AuditedAction.ReasonOption();
        var replay = new Command("replay",
            "ask workers to read consumer groups again: a signed request each worker applies when it next starts " +
            "(stop the worker, replay, start it); inboxes make it a no-op for what was applied")
            { group, allWorkers, topic, toBeginning, toOffset, toTime, dryRun, by, reason };
        replay.SetAction((parse, ct) => RunAsync(parse.GetValue(group), parse.GetValue(topic),
            parse.GetValue(allWorkers), parse.GetValue(toBeginning), parse.GetValue(toOffset), parse.GetValue(toTime),
            parse.GetValue(dryRun), parse.GetValue(by)!, parse.GetValue(reason), ct));
        return replay;
    }

    public enum TargetKind { Beginning, Offset, Time }

    /// <summary>Where to move the groups back to.</summary>
    public sealed record Target(TargetKind Kind, long Offset = 0, DateTimeOffset Time = default)
    {
        public static Target Beginning { get; } = new(TargetKind.Beginning);
        public static Target ToOffset(long offset) => new(TargetKind.Offset, Offset: offset);
        public static Target ToTime(DateTimeOffset time) => new(TargetKind.Time, Time: time);

        public override string ToString() => Kind switch
        {
            TargetKind.Beginning => "the beginning",
            TargetKind.Offset => $"offset {Offset}",
            _ => $"time {Time.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}",
        };
    }

    /// <summary>A worker's consumer group, the worker, and the topics to rewind (null: every one it reads).</summary>
    public sealed record Group(string Name, string Worker, IReadOnlyList<string> Topics, string? Topic = null);

    /// <summary>Every consumer group of every worker, with its topics.</summary>
    public static IReadOnlyList<Group> AllWorkerGroups() =>
        [.. Workers.All.Values.SelectMany(w => w.Consumers.Select(c => new Group(c.Consumer, w.Name, c.Topics)))];

    /// <summary>
    /// The command as cpctl runs it: a replay that publishes is in the audit trail (<see cref="AuditedAction"/>).
    /// </summary>
    public static async Task<int> RunAsync(string? group, string? topic, bool allWorkers, bool toBeginning,
        long? toOffset, string? toTime, bool dryRun, string @operator, string? reason, CancellationToken ct)
    {
        var target = ParseTarget(toBeginning, toOffset, toTime, out var problem);
        var groups = target is null ? null : Groups(group, topic, allWorkers, out problem);
        if (groups is null)
        {
            await Console.Error.WriteLineAsync("replay: " + problem);
            return 1;
        }
        var subject = string.Join(", ", groups.Select(g => g.Name)) + (topic is null ? "" : $" ({topic})")
            + " to " + target;
        async Task<int> Replay(TextWriter output, TextWriter error)
        {
            var requests = Requests(groups, target!, @operator, reason ?? "", OperatorTool.Clock.GetUtcNow());
            if (dryRun)
            {
                Describe(requests, output, published: false);
                return 0;
            }
            await using var tool = await OperatorTool.OpenAsync("replay", @operator);
            if (tool is null) return 2;
            foreach (var r in requests)
                await tool.PublishAsync(Topics.WorkerRewinds, r.Worker,
                    ConsumerRewindRequested.MessageIdFor(r.RequestId), r, ct);
            Describe(requests, output, published: true);
            return 0;
        }
        return await AuditedAction.RunAsync("replay", "replay", subject, @operator, reason, dryRun, Replay, ct);
    }

    /// <summary>One signed request per group, each with its own id.</summary>
    public static IReadOnlyList<ConsumerRewindRequested> Requests(IReadOnlyList<Group> groups, Target target,
        string @operator, string reason, DateTimeOffset now) =>
    [
        .. groups.Select(g => new ConsumerRewindRequested(OperatorTool.NewId(), g.Worker, g.Name, g.Topic,
            target.Kind switch
            {
                TargetKind.Beginning => ConsumerRewindRequested.Beginning,
                TargetKind.Offset => ConsumerRewindRequested.AtOffset,
                _ => ConsumerRewindRequested.AtTime,
            }, target.Kind == TargetKind.Offset ? target.Offset : null,
            target.Kind == TargetKind.Time ? target.Time : null, @operator, reason, now)),
    ];

    /// <summary>What the requests ask, and when they count.</summary>
    public static void Describe(IReadOnlyList<ConsumerRewindRequested> requests, TextWriter output, bool published)
    {
        foreach (var r in requests)
            output.WriteLine($"{(published ? "sent" : "would send")} rewind {r.RequestId}: worker {r.Worker}, group "
                + $"{r.Group}{(r.Topic is null ? "" : $" ({r.Topic})")} to "
                + (r.Target switch
                {
                    ConsumerRewindRequested.AtOffset => $"offset {r.Offset}",
                    ConsumerRewindRequested.AtTime => $"time {r.Time:yyyy-MM-ddTHH:mm:ss.fffZ}",
                    _ => "the beginning",
                }));
        var until = requests.Count == 0 ? "" : DecisionAge.Stamp(requests[0].RequestedAt
            + ConsumerRewindRequested.Lifetime);
        output.WriteLine($"each worker applies its rewinds when it next starts (stop it first, then start it), "
            + $"if it starts before {until} ({DecisionAge.Describe(ConsumerRewindRequested.Lifetime)}); a rewind "
            + "only lowers positions, and what was applied is skipped by the inboxes");
    }

    public static Target? ParseTarget(bool toBeginning, long? toOffset, string? toTime, out string? problem)
    {
        problem = null;
        if ((toBeginning ? 1 : 0) + (toOffset is null ? 0 : 1) + (toTime is null ? 0 : 1) != 1)
        {
            problem = "say where to replay from with exactly one of --to-beginning, --to-offset N, --to-time ISO8601";
            return null;
        }
        if (toBeginning) return Target.Beginning;
        if (toOffset is { } offset)
        {
            if (offset >= 0) return Target.ToOffset(offset);
            problem = $"--to-offset {offset} is negative";
            return null;
        }
        if (DateTimeOffset.TryParse(toTime, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return Target.ToTime(time);
        problem = $"--to-time '{toTime}' is not an ISO 8601 time such as 2026-11-22T18:00:00Z";
        return null;
    }

    /// <summary>
    /// The groups to rewind: one (<paramref name="group"/>) or every worker's, narrowed to <paramref name="topic"/> if
    /// given.
    /// </summary>
    public static IReadOnlyList<Group>? Groups(string? group, string? topic, bool allWorkers, out string? problem)
    {
        problem = null;
        if (allWorkers == (group is not null))
        {
            problem = "name one consumer group with --group G, or every worker's with --all-workers";
            return null;
        }
        var known = AllWorkerGroups();
        if (allWorkers)
        {
            var groups = topic is null
                ? known
                : [
                    .. known.Where(g => g.Topics.Contains(topic))
                        .Select(g => g with { Topics = [topic], Topic = topic }),
                ];
            if (groups.Count == 0) problem = $"no worker's consumer group reads {topic}";
            return groups.Count == 0 ? null : groups;
        }
        var found = known.FirstOrDefault(g => g.Name == group);
        if (found is null)
        {
            problem = $"'{group}' is not a worker's consumer group " +
                $"({string.Join(", ", known.Select(g => g.Name))}): only a worker applies a rewind";
            return null;
        }
        if (topic is null) return [found];
        if (found.Topics.Contains(topic)) return [found with { Topics = [topic], Topic = topic }];
        problem = $"group {group} does not read {topic} (it reads {string.Join(", ", found.Topics)})";
        return null;
    }
}
