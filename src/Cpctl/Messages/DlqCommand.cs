using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Plumbing;
using Microsoft.Extensions.Logging.Abstractions;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Cpctl.Messages;

/// <summary>
/// cpctl dlq: lists the dead letters in <c>&lt;topic&gt;.dlq</c> topics, and re-drives chosen ones
/// to the topic they came from. A re-driven message is the original one (key, body and
/// envelope headers, so the same message id, still verifying as its producer's) with the
/// operator's signed re-drive grant added: it goes through the consumer's inbox again, which
/// applies a message that was dead-lettered once only with such a grant (a replay that reads it
/// again skips it) and skips one that was applied. So re-driving is safe to repeat, and a
/// message that still fails is dead-lettered again.
/// </summary>
public static class DlqCommand
{
    public static Command Build()
    {
        var topic = new Option<string?>("--topic")
        {
            Description = "only this topic's dead letters (provider.feed or provider.feed.dlq)",
        };
        var list = new Command("list",
            "print every dead letter in <topic>.dlq (all of them by default) with its origin, message id, type, " +
            "attempts and reason")
            { topic };
        list.SetAction((parse, ct) => ListAsync(parse.GetValue(topic), ct));
        var of = new Argument<string>("topic")
        {
            Description = "the topic whose dead letters to re-drive (contests or contests.dlq; " +
                "a signed topic: an unsigned one such as provider.feed is re-sent by its producer)",
        };
        var partition = new Option<int?>("--partition")
        {
            Description = "partition of the dead letter in <topic>.dlq, as dlq list prints it",
        };
        var offset = new Option<long?>("--offset")
        {
            Description = "offset of the dead letter in <topic>.dlq, as dlq list prints it",
        };
        var all = new Option<bool>("--all") { Description = "every dead letter in <topic>.dlq (each message once)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "say what would be re-driven; publish nothing" };
        var by = AuditedAction.OperatorOption();
        var reason = AuditedAction.ReasonOption();
        var redrive = new Command("redrive",
            "publish dead letters again to their original topic with their original key, body and envelope headers; " +
            "the consumer's inbox applies each message at most once")
            { of, partition, offset, all, dryRun, by, reason };
        redrive.SetAction((parse, ct) => RedriveAsync(parse.GetValue(of)!, parse.GetValue(partition),
            parse.GetValue(offset), parse.GetValue(all), parse.GetValue(dryRun), parse.GetValue(by)!,
            parse.GetValue(reason), ct));
        return new Command("dlq", "inspect dead letters and re-drive them once their cause is fixed") { list, redrive };
    }

    /// <summary>Exit code when the broker cannot be reached (as for a worker's start-up).</summary>
    public const int ExitUnreachable = 2;

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>One dead letter as it sits in its dead-letter topic, with what its headers say.</summary>
    public sealed record DeadLetter(
        string Topic, int Partition, long Offset, DateTime Timestamp, byte[]? Key, byte[]? Value,
        IReadOnlyList<Header> Headers)
    {
        public string Where => $"{Topic}/{Partition}@{Offset}";
        public string? MessageId => Header(MessageHeaders.MessageId);
        public string? Type => Header(MessageHeaders.Type);
        public string? Reason => Header(MessageHeaders.DeadLetterReason);
        public string? Consumer => Header(MessageHeaders.DeadLetterConsumer);
        public string? Attempts => Header(MessageHeaders.DeadLetterAttempts);
        public string OriginalTopic => Header(MessageHeaders.DeadLetterOriginalTopic) ?? OriginalTopicOf(Topic);
        public int? OriginalPartition =>
            int.TryParse(Header(MessageHeaders.DeadLetterOriginalPartition), NumberStyles.None,
                CultureInfo.InvariantCulture, out var p) ? p : null;
        public long? OriginalOffset =>
            long.TryParse(Header(MessageHeaders.DeadLetterOriginalOffset), NumberStyles.None,
                CultureInfo.InvariantCulture, out var o) ? o : null;
        public string OriginalWhere =>
            $"{OriginalTopic}/{OriginalPartition?.ToString(CultureInfo.InvariantCulture) ?? "?"}" +
            $"@{OriginalOffset?.ToString(CultureInfo.InvariantCulture) ?? "?"}";

        /// <summary>
        /// The headers the original message carried: every header but the dead-letter ones (and an earlier re-drive's
        /// grant, which a new re-drive replaces).
        /// </summary>
        public IEnumerable<Header> OriginalHeaders =>
            Headers.Where(h => !h.Name.StartsWith(MessageHeaders.DeadLetterPrefix, StringComparison.Ordinal)
                && h.Name != MessageHeaders.RedriveGrant);

        /// <summary>What makes two dead letters the same message: its id, or where it was when it had none.</summary>
        public string Identity => OriginalTopic + "\n" + (MessageId ?? "kafka:" + OriginalWhere);

        /// <summary>
        /// The last value of a header (a dead letter's own headers follow the original ones), as text.
        /// </summary>
        public string? Header(string name)
        {
            for (var i = Headers.Count - 1; i >= 0; i--)
                if (Headers[i].Name == name) return Encoding.UTF8.GetString(Headers[i].Value);
            return null;
        }
    }

    public static string DeadLetterTopicOf(string topic) =>
        topic.EndsWith(Topics.DeadLetterSuffix, StringComparison.Ordinal) ? topic : Topics.DeadLetter(topic);

    /// <summary>
    /// Why dead letters of <paramref name="originalTopic"/> are not re-driven, or null. Only a signed message is
    /// re-driven: it still verifies as its producer's. On an unsigned topic a re-drive would be believed as the
    /// producer's own (a feed sequence number taken ahead of the provider), so the operator's credential may not
    /// write there (docs/kafka-acls.md).
    /// </summary>
    public static string? UnsignedRefusal(string originalTopic) =>
        !Topics.All.Contains(originalTopic) || PublishRights.Pipeline.Covers(originalTopic) ? null
        : $"{originalTopic} is not signed, so an operator does not re-drive its dead letters: "
          + (originalTopic == Topics.ProviderFeed
              ? "the provider re-sends its feed" : "its producer publishes it again");

    private static string OriginalTopicOf(string deadLetterTopic) =>
        deadLetterTopic.EndsWith(Topics.DeadLetterSuffix, StringComparison.Ordinal)
            ? deadLetterTopic[..^Topics.DeadLetterSuffix.Length] : deadLetterTopic;

    public static Task<int> ListAsync(string? topic, CancellationToken ct) =>
        WithBrokerAsync("list", bootstrap => List(bootstrap, topic, Console.Out, Console.Error, ct));

    /// <summary>
    /// The command as cpctl runs it: a re-drive that publishes is in the audit trail (<see cref="AuditedAction"/>).
    /// </summary>
    public static Task<int> RedriveAsync(string topic, int? partition, long? offset, bool all, bool dryRun,
        string @operator, string? reason, CancellationToken ct)
    {
        // The operator's key is read only when a letter is re-driven: a dry run needs none.
        var key = new Lazy<OperatorKey>(() =>
            OperatorKeys.Resolve(PipelineSettings.Resolve().Environment, @operator));
        Task<int> Run(TextWriter output, TextWriter error) => WithBrokerAsync("redrive", bootstrap =>
            Redrive(bootstrap, topic, partition, offset, all, dryRun, output, error, ct,
                d => Grant(key.Value, d, reason ?? "", OperatorTool.Clock.GetUtcNow())), error: error);
        var subject = DeadLetterTopicOf(topic) + (all ? ", every dead letter"
            : $", partition {partition?.ToString(CultureInfo.InvariantCulture) ?? "?"} "
              + $"offset {offset?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
        return AuditedAction.RunAsync("dlq redrive", "dlq-redrive", subject, @operator, reason, dryRun, Run, ct);
    }

    /// <summary>
    /// Prints every dead letter of one <c>.dlq</c> topic (or of all of them), then a count per topic.
    /// </summary>
    public static int List(
        string bootstrapServers, string? topic, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var topics = DeadLetterTopics(bootstrapServers, topic, out var problem);
        if (topics is null) return Fail(error, "list", problem!);
        var letters = Read(bootstrapServers, topics.Keys, ct);
        output.WriteLine($"{"dead letter",-28} {"original",-28} {"message id",-40} {"type",-24} " +
            $"{"attempts",8} {"consumer",-22} reason");
        foreach (var d in letters)
            output.WriteLine($"{d.Where,-28} {d.OriginalWhere,-28} {d.MessageId ?? "(none)",-40} " +
                $"{d.Type ?? "(none)",-24} {d.Attempts ?? "?",8} {d.Consumer ?? "?",-22} {d.Reason}");
        foreach (var t in topics.Keys)
            output.WriteLine($"{t}: {letters.Count(d => d.Topic == t)} dead letter(s)");
        output.WriteLine($"{letters.Count} dead letter(s) in {topics.Count} topic(s)");
        return 0;
    }

    /// <summary>
    /// The <c>redrive-grant</c> a re-driven letter carries: <paramref name="key"/>'s operator allows the message to
    /// be applied again though it was dead-lettered, signed for every service that reads its topic (the one that
    /// dead-lettered it checks it; the others have the message in their inbox already). None for a letter without a
    /// message id, which no consumer could apply anyway.
    /// </summary>
    public static byte[]? Grant(OperatorKey key, DeadLetter letter, string reason, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return letter.MessageId is not { } id ? null
            : RedriveGrant.Sign(key, KeyPairs.ReadersOf(letter.OriginalTopic), id, letter.Where, reason, at);
    }

    /// <summary>
    /// Re-publishes the dead letter at <paramref name="partition"/>/<paramref name="offset"/> of
    /// <c>&lt;topic&gt;.dlq</c>, or every one with <paramref name="all"/> (each message once,
    /// however often it was dead-lettered), to its original topic and partition, with the operator's re-drive grant
    /// from <paramref name="grant"/> (<see cref="Grant"/>): without one its consumer would skip it as dead-lettered.
    /// </summary>
    public static int Redrive(string bootstrapServers, string topic, int? partition, long? offset, bool all,
        bool dryRun, TextWriter output, TextWriter error, CancellationToken ct, Func<DeadLetter, byte[]?> grant)
    {
        if (all == (partition is not null || offset is not null) || (!all && (partition is null || offset is null)))
            return Fail(error, "redrive",
                "name one dead letter with --partition P --offset N (as dlq list prints them), " +
                "or every one with --all");
        if (UnsignedRefusal(OriginalTopicOf(topic)) is { } refused) return Fail(error, "redrive", refused);
        var topics = DeadLetterTopics(bootstrapServers, topic, out var problem);
        if (topics is null) return Fail(error, "redrive", problem!);
        var dlq = topics.Keys.Single();
        var letters = Read(bootstrapServers, [dlq], ct);
        List<DeadLetter> chosen;
        var repeats = 0;
        if (all)
        {
            // A message dead-lettered again after a re-drive is in the topic twice: send it once.
            chosen = [.. letters.DistinctBy(d => d.Identity)];
            repeats = letters.Count - chosen.Count;
        }
        else
        {
            var one = letters.FirstOrDefault(d => d.Partition == partition && d.Offset == offset);
            if (one is null)
                return Fail(error, "redrive", $"no dead letter at {dlq}/{partition}@{offset} " +
                    $"(list them with: cpctl dlq list --topic {OriginalTopicOf(dlq)})");
            chosen = [one];
        }

        var partitionCounts = PartitionCounts(bootstrapServers);
        var gone = chosen.Select(d => d.OriginalTopic).Distinct().FirstOrDefault(t => !partitionCounts.ContainsKey(t));
        if (gone is not null) return Fail(error, "redrive", $"the original topic {gone} does not exist on the broker");
        if (chosen.Select(d => UnsignedRefusal(d.OriginalTopic)).FirstOrDefault(r => r is not null) is { } unsigned)
            return Fail(error, "redrive", unsigned);

        using var producer = dryRun ? null
            : KafkaClients.Producer(KafkaClients.ProducerConfig(bootstrapServers, "cpctl.dlq"), NullLogger.Instance);
        foreach (var d in chosen)
        {
            ct.ThrowIfCancellationRequested();
            // Back to the partition it was consumed from, so it stays with its key's other
            // messages; to the key's partition if that one no longer exists.
            var target = d.OriginalPartition is { } p && p < partitionCounts[d.OriginalTopic]
                ? new TopicPartition(d.OriginalTopic, new Partition(p))
                : new TopicPartition(d.OriginalTopic, Partition.Any);
            var what = $"{d.Where} ({d.MessageId ?? "no message id"}, {d.Type ?? "no type"})";
            if (dryRun)
            {
                output.WriteLine($"would re-drive {what} to {target.Topic}" +
                    (target.Partition == Partition.Any ? "" : $"/{target.Partition.Value}"));
                continue;
            }
            DeliveryResult<byte[]?, byte[]?> delivered;
            try
            {
                var headers = d.OriginalHeaders.Where(h => h.Name != MessageHeaders.RedriveGrant).ToList();
                if (grant(d) is { } granted) headers.Add(new Header(MessageHeaders.RedriveGrant, granted));
                delivered = producer!.ProduceAsync(target, new Message<byte[]?, byte[]?>
                    { Key = d.Key, Value = d.Value, Headers = KafkaClients.Headers(headers) }, ct)
                    .GetAwaiter().GetResult();
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                return Fail(error, "redrive", $"{what} could not be published to {d.OriginalTopic}: {e.Error.Reason}");
            }
            output.WriteLine(
                $"re-drove {what} to {delivered.Topic}/{delivered.Partition.Value}@{delivered.Offset.Value}");
        }
        output.WriteLine($"{(dryRun ? "would re-drive" : "re-drove")} {chosen.Count} dead letter(s) from {dlq}"
                         + (repeats > 0 ? $"; {repeats} repeat(s) of the same message(s) skipped" : ""));
        return 0;
    }

    /// <summary>
    /// Every dead letter in <paramref name="topics"/> from the oldest the broker still holds, in topic,
    /// partition and offset order.
    /// </summary>
    public static List<DeadLetter> Read(string bootstrapServers, IEnumerable<string> topics, CancellationToken ct)
    {
        var config = KafkaClients.ConsumerConfig(bootstrapServers, "cpctl.dlq." + Guid.NewGuid().ToString("N"));
        config.EnableAutoCommit = false;
        config.EnablePartitionEof = true;
        using var consumer = KafkaClients.ConsumerBuilder(config, NullLogger.Instance).Build();
        var ends = new Dictionary<TopicPartition, long>();
        var partitionCounts = PartitionCounts(bootstrapServers);
        foreach (var topic in topics)
            for (var p = 0; p < partitionCounts.GetValueOrDefault(topic); p++)
            {
                var tp = new TopicPartition(topic, new Partition(p));
                var w = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
                if (w.High.Value > w.Low.Value) ends[tp] = w.High.Value;
            }
        var letters = new List<DeadLetter>();
        if (ends.Count == 0) return letters;
        consumer.Assign(ends.Keys.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var pending = new HashSet<TopicPartition>(ends.Keys);
        var deadline = DateTime.UtcNow + ReadTimeout;
        while (pending.Count > 0 && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (!r.IsPartitionEOF)
                letters.Add(new DeadLetter(r.Topic, r.Partition.Value, r.Offset.Value, r.Message.Timestamp.UtcDateTime,
                    r.Message.Key, r.Message.Value, IncomingMessage.HeadersOf(r.Message.Headers)));
            if (r.IsPartitionEOF || r.Offset.Value + 1 >= ends[r.TopicPartition]) pending.Remove(r.TopicPartition);
        }
        consumer.Close();
        if (pending.Count > 0)
            throw new TimeoutException(
                $"could not read {string.Join(", ", pending)} to its end within {ReadTimeout.TotalSeconds} s");
        return [.. letters.OrderBy(d => d.Topic, StringComparer.Ordinal)
            .ThenBy(d => d.Partition).ThenBy(d => d.Offset)];
    }

    /// <summary>
    /// The dead-letter topics on the broker (or the one of <paramref name="topic"/>), with their partition counts.
    /// </summary>
    private static SortedDictionary<string, int>? DeadLetterTopics(
        string bootstrapServers, string? topic, out string? problem)
    {
        problem = null;
        using var admin = KafkaClients.Admin(bootstrapServers);
        var all = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(t => t.Error.Code == ErrorCode.NoError &&
                t.Topic.EndsWith(Topics.DeadLetterSuffix, StringComparison.Ordinal))
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        if (topic is null) return new SortedDictionary<string, int>(all, StringComparer.Ordinal);
        var dlq = DeadLetterTopicOf(topic);
        if (all.TryGetValue(dlq, out var count))
            return new SortedDictionary<string, int>(StringComparer.Ordinal) { [dlq] = count };
        problem = $"no dead-letter topic {dlq} on the broker";
        return null;
    }

    /// <summary>Every topic on the broker with its partition count, from one metadata request.</summary>
    private static Dictionary<string, int> PartitionCounts(string bootstrapServers)
    {
        using var admin = KafkaClients.Admin(bootstrapServers);
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Where(m => m.Error.Code == ErrorCode.NoError)
            .ToDictionary(m => m.Topic, m => m.Partitions.Count, StringComparer.Ordinal);
    }

    /// <summary>Resolves the broker like a worker does; unreachable is one line and exit code 2.</summary>
    internal static async Task<int> WithBrokerAsync(string what, Func<string, int> run, string command = "dlq",
        TextWriter? error = null)
    {
        error ??= Console.Error;
        var prefix = what.Length == 0 ? command : command + " " + what;
        try
        {
            var settings = PipelineSettings.Resolve();
            KafkaClients.ProbeBroker(settings.KafkaBootstrapServers,
                TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs));
            return await Task.Run(() => run(settings.KafkaBootstrapServers));
        }
        catch (StartupException e)
        {
            await error.WriteLineAsync($"{prefix}: {e.Message}");
            return ExitUnreachable;
        }
        catch (Exception e) when (e is KafkaException or TimeoutException)
        {
            await error.WriteLineAsync($"{prefix}: {e.Message}");
            return 1;
        }
    }

    private static int Fail(TextWriter error, string what, string message)
    {
        error.WriteLine($"dlq {what}: {message}");
        return 1;
    }
}
