using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Cpctl.Messages;

/// <summary>
/// cpctl replay: moves consumer groups' committed offsets back (to the beginning, an offset or
/// a time) so that their workers read those messages again when they start. Every consumer
/// applies a message through its inbox, so a replayed message that was applied is skipped:
/// a replay moves no money and changes no standing or settlement (invariant 4).
///
/// The local broker (librdkafka's mock cluster) answers neither DescribeGroups nor
/// ListGroups, and refuses an offset commit from a client that is not a member of an
/// existing group. So the command joins each group as one more consumer (same group id),
/// waits until the group has settled, checks that it was given every partition (if not,
/// other members are live: it refuses unless forced), commits the new offsets as a member
/// and leaves the group. It never moves a group forward: a replay cannot skip a message.
/// </summary>
public static class ReplayCommand
{
    public static Command Build()
    {
        var group = new Option<string?>("--group")
        {
            Description = "the consumer group to rewind (a worker's, e.g. scoring.games, or any with --topic)",
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
        var force = new Option<bool>("--force")
        {
            Description = "rewind even though other members of a group are live " +
                "(see docs/operations.md for what that can and cannot do)",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "show what would be replayed; commit nothing" };
        var by = AuditedAction.OperatorOption();
        var reason = AuditedAction.ReasonOption();
        var replay = new Command("replay",
            "move consumer groups back so their workers read messages again; " +
            "inboxes make it a no-op for what was applied. " +
            "Refuses while a group has live members")
            { group, allWorkers, topic, toBeginning, toOffset, toTime, force, dryRun, by, reason };
        replay.SetAction((parse, ct) => RunAsync(parse.GetValue(group), parse.GetValue(topic),
            parse.GetValue(allWorkers), parse.GetValue(toBeginning), parse.GetValue(toOffset), parse.GetValue(toTime),
            new Options { Force = parse.GetValue(force), DryRun = parse.GetValue(dryRun) }, parse.GetValue(by)!,
            parse.GetValue(reason), ct));
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

    /// <summary>
    /// A consumer group, the worker it belongs to (if one of the pipeline's) and the topics to rewind.
    /// </summary>
    public sealed record Group(string Name, string? Worker, IReadOnlyList<string> Topics);

    public sealed record Options
    {
        public bool Force { get; init; }
        public bool DryRun { get; init; }
        /// <summary>How long to wait for every group to give this command a settled assignment.</summary>
        public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(30);
        /// <summary>How long an assignment must stay unchanged to count as the group's settled state.</summary>
        public TimeSpan Settle { get; init; } = TimeSpan.FromMilliseconds(1_500);
    }

    /// <summary>Every consumer group of every worker, with its topics.</summary>
    public static IReadOnlyList<Group> AllWorkerGroups() =>
        [.. Workers.All.Values.SelectMany(w => w.Consumers.Select(c => new Group(c.Consumer, w.Name, c.Topics)))];

    /// <summary>
    /// The command as cpctl runs it: a replay that commits is in the audit trail (<see cref="AuditedAction"/>).
    /// </summary>
    public static async Task<int> RunAsync(string? group, string? topic, bool allWorkers, bool toBeginning,
        long? toOffset, string? toTime, Options options, string @operator, string? reason, CancellationToken ct)
    {
        var target = ParseTarget(toBeginning, toOffset, toTime, out var problem);
        var groups = target is null ? null : Groups(group, topic, allWorkers, out problem);
        if (groups is null)
        {
            await Console.Error.WriteLineAsync("replay: " + problem);
            return 1;
        }
        Task<int> Replay(TextWriter output, TextWriter error) => DlqCommand.WithBrokerAsync("", bootstrap =>
            Execute(bootstrap, groups, target!, options, output, error, ct), "replay", error);
        var subject = string.Join(", ", groups.Select(g => g.Name)) + (topic is null ? "" : $" ({topic})")
            + " to " + target + (options.Force ? ", forced" : "");
        return await AuditedAction.RunAsync("replay", "replay", subject, @operator, reason, options.DryRun, Replay,
            ct);
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
                : [.. known.Where(g => g.Topics.Contains(topic)).Select(g => g with { Topics = [topic] })];
            if (groups.Count == 0) problem = $"no worker's consumer group reads {topic}";
            return groups.Count == 0 ? null : groups;
        }
        var found = known.FirstOrDefault(g => g.Name == group);
        if (found is null)
        {
            if (topic is not null) return [new Group(group!, null, [topic])];
            problem = $"'{group}' is not a worker's consumer group " +
                $"({string.Join(", ", known.Select(g => g.Name))}): name its topic with --topic";
            return null;
        }
        if (topic is null) return [found];
        if (found.Topics.Contains(topic)) return [found with { Topics = [topic] }];
        problem = $"group {group} does not read {topic} (it reads {string.Join(", ", found.Topics)})";
        return null;
    }

    /// <summary>
    /// Rewinds <paramref name="groups"/> to <paramref name="target"/>, all or none unless forced; returns the exit
    /// code.
    /// </summary>
    public static int Execute(string bootstrapServers, IReadOnlyList<Group> groups, Target target, Options options,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        var partitions = PartitionsOf(bootstrapServers, groups, out var missing);
        if (partitions is null) return Fail(error, $"topic {missing} does not exist on the broker");

        var members = groups
            .Select(g => new Member(bootstrapServers, g, [.. g.Topics.SelectMany(t => partitions[t])])).ToList();
        try
        {
            output.WriteLine($"joining {members.Count} consumer group(s) to rewind them to {target} ...");
            if (JoinAll(members, options, ct) is { } unsettled) return Fail(error, unsettled);
            if (LiveMembersRefusal(members, options) is { } refusal) return Fail(error, refusal);

            var failed = 0;
            long total = 0, rewound = 0;
            foreach (var m in members)
            {
                ct.ThrowIfCancellationRequested();
                if (Rewind(m, target, options, output, error) is not { } done)
                {
                    failed++;
                    continue;
                }
                rewound += done.Moved;
                total += done.Replays;
            }
            output.WriteLine(options.DryRun
                ? $"dry run: {rewound} partition(s) in {members.Count} group(s) would be moved back to {target}; "
                  + $"{total:N0} message(s) would be replayed; nothing was committed"
                : $"rewound {members.Count - failed} group(s) ({rewound} partition(s) moved back) to {target}; "
                  + $"{total:N0} message(s) will be replayed when their consumers run");
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            // Leaving the group: the partitions go back to the workers when they start (or, with
            // --force, to the live members at once), and they read from the committed offsets.
            foreach (var m in members) m.Dispose();
        }
    }

    /// <summary>
    /// Every partition of every topic the groups read, in order; null (and the topic) if one does not exist.
    /// </summary>
    private static Dictionary<string, List<TopicPartition>>? PartitionsOf(string bootstrapServers,
        IReadOnlyList<Group> groups, out string? missing)
    {
        missing = null;
        var partitions = new Dictionary<string, List<TopicPartition>>(StringComparer.Ordinal);
        using var admin = KafkaClients.Admin(bootstrapServers);
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        foreach (var topic in groups.SelectMany(g => g.Topics).Distinct())
        {
            var t = metadata.Topics.FirstOrDefault(m => m.Topic == topic && m.Error.Code == ErrorCode.NoError);
            if (t is null || t.Partitions.Count == 0)
            {
                missing = topic;
                return null;
            }
            partitions[topic] = [.. t.Partitions
                .Select(p => new TopicPartition(topic, new Partition(p.PartitionId)))
                .OrderBy(p => p.Partition.Value)];
        }
        return partitions;
    }

    /// <summary>Polls every member until each group has settled; the problem if one has not in time.</summary>
    private static string? JoinAll(List<Member> members, Options options, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.JoinTimeout;
        while (members.Any(m => !m.Settled(options.Settle)))
        {
            ct.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
                return $"no settled assignment within {options.JoinTimeout.TotalSeconds:0} s for group(s) "
                    + string.Join(", ", members.Where(m => !m.Settled(options.Settle)).Select(m => m.Group.Name))
                    + (members.Select(m => m.LastError).FirstOrDefault(e => e is not null) is { } why
                        ? $" ({why})"
                        : "")
                    + "; nothing was rewound";
            foreach (var m in members) m.Poll();
        }
        return null;
    }

    /// <summary>
    /// A group where this command was not given every partition has other live members: refused
    /// unless forced, since they could commit over the rewind.
    /// </summary>
    private static string? LiveMembersRefusal(List<Member> members, Options options)
    {
        var live = members.Where(m => m.Assigned.Count < m.Partitions.Count).ToList();
        if (live.Count == 0 || options.Force) return null;
        return "refused: other members are live in group(s) "
            + string.Join(", ", live.Select(m => $"{Name(m.Group)}"
                + $" [{m.Assigned.Count} of {m.Partitions.Count} partitions given to this command]"))
            + ": stop their workers first, or pass --force; nothing was rewound";
    }

    /// <summary>
    /// Prints one group's plan and commits it (unless a dry run); the partitions moved back and
    /// the messages to replay, or null if the broker refused the new offsets.
    /// </summary>
    private static (int Moved, long Replays)? Rewind(Member m, Target target, Options options,
        TextWriter output, TextWriter error)
    {
        var plan = m.Plan(target);
        output.WriteLine($"group {Name(m.Group)}: {string.Join(", ", m.Group.Topics)}");
        if (m.Assigned.Count < m.Partitions.Count)
            output.WriteLine($"  warning: other members are live and hold {m.Partitions.Count - m.Assigned.Count} "
                             + $"of {m.Partitions.Count} partitions (--force): they read from the new offsets when "
                             + "this command leaves the group, unless they commit their own progress first");
        foreach (var p in plan)
        {
            output.WriteLine($"  {p.Partition.Topic + "/" + p.Partition.Partition.Value,-24} {p.Describe(),-44} "
                             + $"replays {p.Replays,9:N0}");
            if (p.Warning is not null) output.WriteLine($"    warning: {p.Warning}");
        }
        var changes = plan.Where(p => p.Changed)
            .Select(p => new TopicPartitionOffset(p.Partition, p.NewOffset!.Value)).ToList();
        var groupTotal = plan.Sum(p => p.Replays);
        if (!options.DryRun && changes.Count > 0)
        {
            try
            {
                m.Consumer.Commit(changes);
            }
            catch (KafkaException e)
            {
                error.WriteLine($"replay: group {m.Group.Name}: the broker refused the new offsets ({e.Error.Reason}): "
                                + "it was not rewound; run the command again");
                return null;
            }
        }
        output.WriteLine($"  {m.Group.Name}: {changes.Count} partition(s) "
                         + $"{(options.DryRun ? "would be " : "")}moved back, "
                         + $"{groupTotal:N0} message(s) to replay");
        return (changes.Count, groupTotal);
    }

    /// <summary>A group's name, with its worker's when it is one of the pipeline's.</summary>
    private static string Name(Group group) => group.Name + (group.Worker is null ? "" : $" ({group.Worker})");

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("replay: " + message);
        return 1;
    }

    /// <summary>
    /// What happens to one partition: committed offset, the new one, how many messages are read again, and what the
    /// broker deleted that the replay cannot give back.
    /// </summary>
    public sealed record PartitionPlan(TopicPartition Partition, long Low, long High, long? Committed, long? NewOffset)
    {
        public bool Changed => NewOffset is { } n && n != Committed;
        /// <summary>
        /// Messages the group will read from the new offset (or its committed one) to the high watermark; none below
        /// the oldest the broker holds.
        /// </summary>
        public long Replays => High - Math.Max(Low, NewOffset ?? Committed ?? Low);

        /// <summary>Messages asked for, or never read by the group, that the broker deleted: why, or null.</summary>
        public string? Warning { get; init; }

        public string Describe() => Committed is null
            ? "no committed offset (reads from the oldest)"
            : Changed ? $"offset {Committed} -> {NewOffset}" : $"offset {Committed} (unchanged)";

        /// <summary>
        /// One partition's plan from what the broker holds (<paramref name="low"/> to <paramref name="high"/>), the
        /// group's committed offset and the first offset the target gives (<paramref name="wanted"/>, before any
        /// clamping). Only ever back. A group standing below the oldest message held stays where it is: messages it
        /// never read were deleted, and its worker raises <c>messages_deleted_unread</c> when it reads the
        /// partition again; moving it up to the oldest held would hide that loss from it.
        /// </summary>
        public static PartitionPlan Of(
            TopicPartition partition, long low, long high, long? committed, long wanted, TargetKind kind)
        {
            if (committed is { } behind && behind < low)
                return new PartitionPlan(partition, low, high, committed, committed)
                {
                    Warning = $"the group stands at offset {behind}, below the oldest message held ({low}): "
                        + $"{low - behind:N0} message(s) it never read were deleted by the broker and cannot be "
                        + "replayed; left where it is, so that its worker raises messages_deleted_unread "
                        + "(docs/operations.md)",
                };
            var next = Math.Clamp(wanted, low, high);
            // A group with no committed offset reads from the oldest message anyway.
            long? newOffset = committed is { } current ? Math.Min(next, current) : null;
            return new PartitionPlan(partition, low, high, committed, newOffset) { Warning = Deleted() };

            string? Deleted() => kind switch
            {
                TargetKind.Offset when wanted < low =>
                    $"offset {wanted} was asked for, but the broker holds this partition from offset {low}: "
                    + $"{low - wanted:N0} message(s) before it were deleted and are not replayed",
                TargetKind.Beginning or TargetKind.Time when low > 0 && next == low =>
                    $"the broker holds this partition from offset {low}: the {low:N0} message(s) before it were "
                    + (kind == TargetKind.Beginning ? "deleted and are not replayed"
                        : "deleted, and any of them at or after the time are not replayed"),
                _ => null,
            };
        }
    }

    /// <summary>
    /// This command as one member of a group: joins, waits for its assignment, and commits as a member.
    /// </summary>
    private sealed class Member : IDisposable
    {
        private readonly HashSet<TopicPartition> _assigned = [];
        private readonly string _bootstrapServers;
        private bool _hasAssignment;
        private DateTime _lastChange = DateTime.UtcNow;

        public Group Group { get; }
        public IReadOnlyList<TopicPartition> Partitions { get; }
        public IConsumer<byte[]?, byte[]?> Consumer { get; }
        public IReadOnlyCollection<TopicPartition> Assigned => _assigned;
        public string? LastError { get; private set; }

        public Member(string bootstrapServers, Group group, IReadOnlyList<TopicPartition> partitions)
        {
            _bootstrapServers = bootstrapServers;
            Group = group;
            Partitions = partitions;
            var config = KafkaClients.ConsumerConfig(bootstrapServers, group.Name);
            config.ClientId = "cpctl.replay";
            config.EnableAutoCommit = false;
            config.HeartbeatIntervalMs = 500;
            Consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance)
                .SetErrorHandler((_, e) => LastError = e.Reason)
                // Fetching starts at the end: this member never reads a message, and it stores
                // and commits nothing but the offsets it is asked to.
                .SetPartitionsAssignedHandler((_, parts) =>
                {
                    _assigned.UnionWith(parts);
                    _hasAssignment = true;
                    _lastChange = DateTime.UtcNow;
                    return parts.Select(p => new TopicPartitionOffset(p, Offset.End));
                })
                .SetPartitionsRevokedHandler((_, parts) => Revoke(parts.Select(p => p.TopicPartition)))
                .SetPartitionsLostHandler((_, parts) => Revoke(parts.Select(p => p.TopicPartition)))
                .Build();
            Consumer.Subscribe(group.Topics);
        }

        private void Revoke(IEnumerable<TopicPartition> parts)
        {
            _assigned.ExceptWith(parts);
            if (_assigned.Count == 0) _hasAssignment = false;
            _lastChange = DateTime.UtcNow;
        }

        /// <summary>
        /// Assigned, and unchanged for <paramref name="settle"/>: the group has finished rebalancing.
        /// </summary>
        public bool Settled(TimeSpan settle) => _hasAssignment && DateTime.UtcNow - _lastChange >= settle;

        /// <summary>Serves the group protocol's callbacks; any message fetched is ignored.</summary>
        public void Poll()
        {
            try
            {
                Consumer.Consume(TimeSpan.FromMilliseconds(20));
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                LastError = e.Error.Reason;
            }
        }

        public List<PartitionPlan> Plan(Target target)
        {
            var timeout = TimeSpan.FromSeconds(10);
            var committed = Consumer.Committed(Partitions, timeout)
                .ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
            var byTime = target.Kind == TargetKind.Time
                ? Consumer.OffsetsForTimes(
                        Partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(target.Time))), timeout)
                    .ToDictionary(o => o.TopicPartition, o => o.Offset.Value)
                : null;
            var plan = new List<PartitionPlan>(Partitions.Count);
            foreach (var p in Partitions)
            {
                var w = Consumer.QueryWatermarkOffsets(p, timeout);
                long low = w.Low.Value, high = w.High.Value;
                var wanted = target.Kind switch
                {
                    TargetKind.Beginning => low,
                    TargetKind.Offset => target.Offset,
                    // The local broker has no time index (it answers "none" to every lookup
                    // by time), so a "none" for a partition holding messages is checked by reading it.
                    _ => byTime![p] is var o && o >= 0 ? o
                        : high > low ? ScanForTime(_bootstrapServers, p, target.Time, low, high)
                        : high,
                };
                long? current = committed.TryGetValue(p, out var c) && c >= 0 ? c : null;
                plan.Add(PartitionPlan.Of(p, low, high, current, wanted, target.Kind));
            }
            return plan;
        }

        /// <summary>
        /// The first offset whose message is at or after <paramref name="time"/>, found by reading
        /// the partition (<paramref name="high"/> if there is none): the last message first, and
        /// from the oldest only if that one is not older than the time.
        /// </summary>
        private static long ScanForTime(
            string bootstrapServers, TopicPartition partition, DateTimeOffset time, long low, long high)
        {
            var config = KafkaClients.ConsumerConfig(bootstrapServers, "cpctl.replay.scan");
            config.EnableAutoCommit = false;
            config.EnablePartitionEof = true;
            using var reader = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
            var ms = time.ToUnixTimeMilliseconds();
            reader.Assign(new TopicPartitionOffset(partition, high - 1));
            if (Next(reader, partition) is { } last && last.Message.Timestamp.UnixTimestampMs < ms) return high;
            reader.Assign(new TopicPartitionOffset(partition, low));
            while (Next(reader, partition) is { } r)
                if (r.Message.Timestamp.UnixTimestampMs >= ms) return r.Offset.Value;
            return high;
        }

        private static ConsumeResult<byte[]?, byte[]?>? Next(
            IConsumer<byte[]?, byte[]?> reader, TopicPartition partition)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                var r = reader.Consume(TimeSpan.FromMilliseconds(200));
                if (r is null) continue;
                return r.IsPartitionEOF ? null : r;
            }
            throw new TimeoutException($"could not read {partition} within 10 s");
        }

        public void Dispose()
        {
            try
            {
                Consumer.Close();
            }
            catch (KafkaException)
            {
                // Leaving is best effort: the broker drops a member that stops heartbeating.
            }
            Consumer.Dispose();
        }
    }
}
