using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Contracts;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Local.Fuzz;

/// <summary>
/// Seeded random provider.feed traffic through the code that turns a consumed message into a
/// validated event or a rejection: <see cref="FeedEvent.From"/> (envelope type, key, body
/// bytes), the <see cref="FeedSequencer"/> and <see cref="FeedValidator"/>, composed as
/// <see cref="FeedStore"/> composes them behind the consume loop's inbox. For the tests and for a command-line run of
/// many more cases (<c>cpdev fuzz feed</c>). Case <c>i</c> of seed <c>s</c> is always the same
/// traffic, so a failure is replayed with <see cref="RunCase"/>.
/// </summary>
/// <remarks>
/// Each case scripts one game (schedule, start, stats, corrections, end), writes it as the
/// provider would, then damages it: bytes flipped, inserted, cut; fields removed, repeated
/// with another value, given values of every JSON kind (huge, negative, fractional, numeric
/// strings, control characters, lone surrogates, timestamps without offsets); whole bodies
/// replaced by random JSON; types, keys and sequence numbers changed; messages repeated,
/// reordered, dropped, re-sent under a new id or with other content; time moved past the gap
/// hold. Properties checked: reading only ever fails with <see cref="MessageRejectedException"/>
/// and a one-line reason; the sequencer and validator never throw; every accepted event is
/// valid by an independent reading of its raw bytes against provider.feed.md (each field
/// present once, of its type, within its bounds, in phase, in sequence order, key equal to
/// gameId) with the values it was accepted with; a case with no damage is accepted whole;
/// and the same traffic gives the same decisions, reasons included, every time.
/// </remarks>
public static partial class FeedFuzz
{
    /// <summary>Cases a test run checks; a command-line run may ask for many more.</summary>
    public const int CasesDefault = 1_200;

    /// <summary>A rejection reason longer than this floods alerts and dead-letter headers.</summary>
    public const int ReasonLengthMax = 1_000;

    /// <summary>The reading and validation under test: the real ones, or deliberately broken ones to show that the
    /// checks bite.</summary>
    public sealed record Path(Func<IncomingMessage, FeedEvent> Read, Func<GameFacts, object, string?> Validate)
    {
        public static Path Real { get; } = new(FeedEvent.From, FeedValidator.Validate);
    }

    /// <summary>What a run did: cases, messages and their fates, and the first failures (each naming its seed and
    /// case).</summary>
    public sealed record Summary(int Seed, int Cases, long Messages, long Accepted, long Rejected, long DroppedQuietly,
        int FailedCases, IReadOnlyList<string> Failures);

    /// <summary>One message as it arrives on provider.feed, and when.</summary>
    public sealed record RawMessage(int Index, byte[]? Key, string Type, string MessageId, byte[] Body, TimeSpan At,
        string Damage);

    /// <summary>One generated case: the game it scripts, and its traffic in arrival order.</summary>
    public sealed record FuzzCase(int Seed, int CaseIndex, string GameId, bool Undamaged,
        IReadOnlyList<RawMessage> Messages);

    private static readonly DateTimeOffset Epoch = new(2026, 11, 22, 17, 0, 0, TimeSpan.Zero);

    private static readonly string[] FeedTypes =
        [GameScheduled.MessageType, GameStarted.MessageType, StatUpdated.MessageType, StatCorrected.MessageType,
            GameEnded.MessageType];

    private static readonly string[] StatNames = [.. Stats.Known.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Runs cases <paramref name="from"/> to <paramref name="from"/> + <paramref name="cases"/> − 1 of
    /// <paramref name="seed"/>, keeping the first <paramref name="failuresKept"/> failures.
    /// </summary>
    public static Summary Run(int seed, int cases, Path? path = null, int failuresKept = 5, int from = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cases);
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        long messages = 0, accepted = 0, rejected = 0, dropped = 0;
        var failed = 0;
        var failures = new List<string>();
        for (var i = from; i < from + cases; i++)
        {
            var (failure, tally) = RunCaseTallied(seed, i, path);
            messages += tally.Messages;
            accepted += tally.Accepted;
            rejected += tally.Rejected;
            dropped += tally.Dropped;
            if (failure is null) continue;
            failed++;
            if (failures.Count < failuresKept) failures.Add(failure);
        }
        return new Summary(seed, cases, messages, accepted, rejected, dropped, failed, failures);
    }

    /// <summary>Runs one case; returns its failure, naming the seed, the case and the traffic, or null.</summary>
    public static string? RunCase(int seed, int caseIndex, Path? path = null) =>
        RunCaseTallied(seed, caseIndex, path).Failure;

    private static (string? Failure, Tally Tally) RunCaseTallied(int seed, int caseIndex, Path? path)
    {
        FuzzCase? fuzzCase = null;
        try
        {
            fuzzCase = Generate(seed, caseIndex);
            var first = new Simulation(path ?? Path.Real);
            first.RunAll(fuzzCase);
            if (first.Failure is { } failure) return (Describe(seed, caseIndex, failure, fuzzCase), first.Tally);
            var second = new Simulation(path ?? Path.Real);
            second.RunAll(fuzzCase);
            if (second.Failure is { } again)
                return (Describe(seed, caseIndex, "second run: " + again, fuzzCase), first.Tally);
            var difference = FirstDifference(first.Log, second.Log);
            if (difference is not null)
                return (Describe(seed, caseIndex,
                    "the same traffic gave other decisions the second time: " + difference, fuzzCase), first.Tally);
            return (null, first.Tally);
        }
        catch (Exception ex)
        {
            return (Describe(seed, caseIndex, "the fuzzer itself threw " + ex, fuzzCase), new Tally());
        }
    }

    private static string? FirstDifference(List<string> a, List<string> b)
    {
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var x = i < a.Count ? a[i] : "(nothing)";
            var y = i < b.Count ? b[i] : "(nothing)";
            if (x != y) return $"step {i}: '{x}' then '{y}'";
        }
        return null;
    }

    // ---- generation ---------------------------------------------------------------------------

    public static FuzzCase Generate(int seed, int caseIndex)
    {
        var random = new Random(unchecked(seed * 1_000_003 + caseIndex * 7_919 + 17));
        var gameId = GameId(random, seed, caseIndex);
        var roster = Roster(random);
        var script = Script(random, gameId, roster);
        // One case in ten is the provider on a good day: every message must be accepted.
        var undamaged = random.Next(10) == 0;
        var intensity = undamaged ? 0.0 : random.Next(4) switch { 0 => 0.05, 1 => 0.2, 2 => 0.4, _ => 0.8 };
        var messages = new List<RawMessage>();
        var at = TimeSpan.Zero;
        for (var i = 0; i < script.Count; i++)
        {
            var (type, body, sequence) = script[i];
            at += TimeSpan.FromMilliseconds(random.Next(0, 400));
            if (!undamaged && random.Next(25) == 0) at += TimeSpan.FromSeconds(31);
            var message = new RawMessage(0, Encoding.UTF8.GetBytes(gameId), type, $"fuzz:{gameId}:{sequence}",
                body, at, "");
            if (random.NextDouble() >= intensity)
            {
                messages.Add(message);
                continue;
            }
            Damage(random, message, messages, script);
        }
        return new FuzzCase(seed, caseIndex, gameId, undamaged,
            [.. messages.Select((m, i) => m with { Index = i })]);
    }

    private static string GameId(Random random, int seed, int caseIndex) => random.Next(12) switch
    {
        0 => $"gé-ü-{caseIndex} ∑",
        1 => $"g|{caseIndex}|pipe",
        2 => new string('g', IngestionLimits.GameIdLengthMax - 8)
            + caseIndex.ToString("D8", CultureInfo.InvariantCulture),
        _ => $"fz-{seed}-{caseIndex}",
    };

    private static List<string> Roster(Random random)
    {
        var n = random.Next(20) == 0 ? random.Next(200, 1_500) : random.Next(1, 12);
        var roster = new List<string>(n);
        for (var i = 0; i < n; i++)
            roster.Add(random.Next(15) == 0 ? $"Åth lete {i} ☃" : $"ath-{i:D4}");
        return roster;
    }

    /// <summary>A game as a provider reports it: schedule, start, running totals, a correction, the end, a late
    /// correction.</summary>
    private static List<(string Type, byte[] Body, long Sequence)> Script(Random random, string gameId,
        List<string> roster)
    {
        var list = new List<(string, byte[], long)>();
        long seq = 0;
        var starts = Epoch.AddMinutes(random.Next(0, 600));
        var asString = random.Next(8) == 0;
        void Add(string type, object body) => list.Add((type, Write(body, asString && random.Next(2) == 0), seq));
        Add(GameScheduled.MessageType, new GameScheduled(gameId, ++seq, starts, roster));
        if (random.Next(6) == 0)
            Add(GameScheduled.MessageType,
                new GameScheduled(gameId, ++seq, starts, [.. roster.OrderDescending(StringComparer.Ordinal)]));
        var started = starts.AddSeconds(random.Next(0, 300)).AddMilliseconds(random.Next(0, 1000));
        Add(GameStarted.MessageType, new GameStarted(gameId, ++seq, started));
        var stats = random.Next(0, 20);
        for (var i = 0; i < stats; i++)
            Add(StatUpdated.MessageType, new StatUpdated(gameId, ++seq, roster[random.Next(roster.Count)],
                StatNames[random.Next(StatNames.Length)], Value(random)));
        if (random.Next(3) == 0)
            Add(StatCorrected.MessageType, new StatCorrected(gameId, ++seq, roster[random.Next(roster.Count)],
                StatNames[random.Next(StatNames.Length)], Value(random)));
        if (random.Next(5) != 0)
        {
            Add(GameEnded.MessageType, new GameEnded(gameId, ++seq, started.AddMinutes(random.Next(0, 200))));
            if (random.Next(3) == 0)
                Add(StatCorrected.MessageType, new StatCorrected(gameId, ++seq, roster[random.Next(roster.Count)],
                    StatNames[random.Next(StatNames.Length)], Value(random)));
        }
        return list;
    }

    /// <summary>Valid totals, mostly; the bounds themselves now and then.</summary>
    private static long Value(Random random) => random.Next(30) switch
    {
        0 => 0,
        1 => Stats.ValueMax,
        _ => random.Next(0, 600),
    };

    private static byte[] Write(object body, bool numbersAsStrings)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), OutgoingMessage.Json);
        if (!numbersAsStrings) return bytes;
        // "Readers also accept a number written as a string": the provider may do that.
        var node = JsonNode.Parse(bytes)!.AsObject();
        foreach (var name in new[] { "sequence", "value" })
            if (node[name] is JsonValue v && v.TryGetValue<long>(out var n))
                node[name] = n.ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static void Damage(Random random, RawMessage m, List<RawMessage> output,
        List<(string Type, byte[] Body, long Sequence)> script)
    {
        switch (random.Next(26))
        {
            case 0: output.Add(m with { Body = FlipBytes(random, m.Body), Damage = "bytes flipped" }); break;
            case 1: output.Add(m with { Body = Insert(m.Body, random.Next(m.Body.Length + 1), [(byte)random.Next(256)]),
                Damage = "a byte inserted" }); break;
            case 2: output.Add(Cut(random, m)); break;
            case 3: output.Add(m with { Body = m.Body[..random.Next(m.Body.Length)], Damage = "truncated" }); break;
            case 4: output.Add(Edit(random, m, "a field removed", (o, f) => o.Remove(f))); break;
            case 5: output.Add(
                m with { Body = Repeat(random, m.Body), Damage = "a field repeated with another value" }); break;
            case 6 or 7 or 8: output.Add(AFieldGivenARandomValue(random, m)); break;
            case 9: output.Add(EditRaw(random, m, "an unknown field added",
                (o, _) => o["extra" + random.Next(9)] = RawPlaceholder, RandomValue(random))); break;
            case 10: output.Add(Edit(random, m, "a field name in other case",
                (o, f) => { var v = o[f]; o.Remove(f); o[f.ToUpperInvariant()] = v?.DeepClone(); })); break;
            case 11: output.Add(m with { Body = Encoding.UTF8.GetBytes(RandomBody(random)),
                Damage = "the body replaced by random JSON" }); break;
            case 12: output.Add(OtherType(random, m)); break;
            case 13: output.Add(OtherKey(random, m)); break;
            case 14: output.Add(OtherSequence(random, m, script)); break;
            case 15: output.Add(m); output.Add(m with { Damage = "sent twice" }); break;
            case 16: output.Add(m); output.Add(
                m with { MessageId = m.MessageId + ":again", Damage = "sent again under a new message id" }); break;
            case 17: output.Add(m); output.Add(OtherContentUnderTheSameSequence(random, m)); break;
            case 18:
                // Reorder: this one goes before the message already placed last.
                if (output.Count > 0)
                    output.Insert(output.Count - 1, m with { Damage = "arrived before the one before it" });
                else output.Add(m);
                break;
            case 19: break; // lost: a gap
            case 20: output.Add(OtherTimestamp(random, m)); break;
            case 21: output.Add(Padded(random, m)); break;
            case 22: output.Add(NestedDeep(random, m)); break;
            case 24 or 25: output.Add(TotalOutOfBounds(random, m)); break;
            default:
                // A gameId and key that disagree only after lenient decoding.
                output.Add(Edit(random, m, "gameId with a replacement character, key with invalid UTF-8",
                    (o, _) => o["gameId"] = "g\uFFFD", "gameId") with { Key = [(byte)'g', 0xff] });
                break;
        }
    }

    private static RawMessage Cut(Random random, RawMessage m)
    {
        var from = random.Next(m.Body.Length);
        var to = Math.Min(m.Body.Length, from + random.Next(1, 12));
        byte[] cut = [.. m.Body.AsSpan(0, from), .. m.Body.AsSpan(to)];
        return m with { Body = cut, Damage = "bytes cut" };
    }

    private static RawMessage AFieldGivenARandomValue(Random random, RawMessage m)
    {
        var value = RandomValue(random);
        return EditRaw(random, m, "a field given " + Show.Quote(value), (o, f) => o[f] = RawPlaceholder, value);
    }

    private static RawMessage OtherType(Random random, RawMessage m)
    {
        var type = random.Next(4) == 0 ? "StatUpdate" : FeedTypes[random.Next(FeedTypes.Length)];
        return m with { Type = type, Damage = "type header " + type };
    }

    private static RawMessage OtherKey(Random random, RawMessage m)
    {
        byte[]? key = random.Next(4) switch
        {
            0 => null,
            1 => [0xff, 0xfe],
            2 => Encoding.UTF8.GetBytes("other-game"),
            _ => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(m.Key ?? []).ToUpperInvariant() + " "),
        };
        return m with { Key = key, Damage = "key changed" };
    }

    private static RawMessage OtherSequence(Random random, RawMessage m,
        List<(string Type, byte[] Body, long Sequence)> script)
    {
        long sequence = random.Next(7) switch
        {
            0 => 0,
            1 => -1,
            2 => long.MaxValue,
            3 => long.MinValue,
            4 => 1 + IngestionLimits.FeedSequenceAheadMax + random.Next(1, 5),
            _ => random.Next(1, script.Count + 3),
        };
        return Edit(random, m, $"sequence {sequence}", (o, _) => o["sequence"] = sequence, "sequence");
    }

    private static RawMessage OtherContentUnderTheSameSequence(Random random, RawMessage m)
    {
        var other = EditRaw(random, m, "other content under the same sequence", (o, f) => o[f] = RawPlaceholder,
            RandomValue(random));
        return other with { MessageId = m.MessageId + (random.Next(2) == 0 ? ":other" : "") };
    }

    private static RawMessage OtherTimestamp(Random random, RawMessage m)
    {
        var stamp = random.Next(8) switch
        {
            0 => "2026-11-22T18:00:00",
            1 => "2026-11-22",
            2 => "2026-11-22T18:00:00+0100",
            3 => "0001-01-01T00:00:00+00:00",
            4 => "9999-12-31T23:59:59+00:00",
            5 => "2026-11-22T18:00:00+14:00",
            6 => "2026-02-30T18:00:00Z",
            _ => "2026-11-22T18:00:00.1234567-03:30",
        };
        return Edit(random, m, $"timestamp '{stamp}'", (o, f) => o[f] = stamp, "startsAt", "startedAt", "endedAt");
    }

    private static RawMessage Padded(Random random, RawMessage m)
    {
        byte[] padded = random.Next(3) switch
        {
            0 => [0xEF, 0xBB, 0xBF, .. m.Body],
            1 => [.. " \n\t"u8, .. m.Body, .. "\r\n "u8],
            _ => [.. m.Body, .. " {}"u8],
        };
        return m with { Body = padded, Damage = "padded" };
    }

    private static RawMessage NestedDeep(Random random, RawMessage m)
    {
        var depth = random.Next(30, 200);
        var deep = Encoding.UTF8.GetString(m.Body).TrimEnd('}') + ",\"deep\":" + new string('[', depth)
            + new string(']', depth) + "}";
        return m with { Body = Encoding.UTF8.GetBytes(deep), Damage = $"nested {depth} deep" };
    }

    /// <summary>Totals just outside the bounds, and far outside: the validator's own territory.</summary>
    private static RawMessage TotalOutOfBounds(Random random, RawMessage m)
    {
        long total = random.Next(6) switch
        {
            0 => -1,
            1 => -random.Next(2, 1_000_000),
            2 => Stats.ValueMax + 1,
            3 => Stats.ValueMax + random.Next(2, 1_000_000),
            4 => long.MaxValue,
            _ => long.MinValue,
        };
        return Edit(random, m, $"value {total}", (o, _) => o["value"] = total, "value");
    }

    private static byte[] FlipBytes(Random random, byte[] body)
    {
        if (body.Length == 0) return body;
        var copy = (byte[])body.Clone();
        for (var i = random.Next(1, 4); i > 0; i--) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] Insert(byte[] body, int at, byte[] bytes) =>
        [.. body.AsSpan(0, at), .. bytes, .. body.AsSpan(at)];

    /// <summary>The body with one of its fields (or one of <paramref name="only"/>) changed; the body unchanged when it
    /// has none.</summary>
    private static RawMessage Edit(Random random, RawMessage m, string what, Action<JsonObject, string> edit,
        params string[] only) =>
        EditRaw(random, m, what, edit, null, only);

    private const string RawPlaceholder = "@@raw-json@@";

    /// <summary>As <see cref="Edit"/>, with <paramref name="raw"/> JSON text where the edit put
    /// <see cref="RawPlaceholder"/>.</summary>
    private static RawMessage EditRaw(Random random, RawMessage m, string what, Action<JsonObject, string> edit,
        string? raw, params string[] only)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(m.Body)!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return m;
        }
        var fields = o.Select(p => p.Key).Where(k => only.Length == 0 || only.Contains(k)).ToList();
        if (fields.Count == 0) return m;
        var field = fields[random.Next(fields.Count)];
        edit(o, field);
        // A value given as raw JSON text (it may be one the document model cannot write) goes in last.
        var text = o.ToJsonString();
        if (raw is not null) text = text.Replace($"\"{RawPlaceholder}\"", raw, StringComparison.Ordinal);
        return m with { Body = Encoding.UTF8.GetBytes(text), Damage = $"{field}: {what}" };
    }

    /// <summary>A field written twice, the second time with another value: one reader takes the first, another the
    /// last.</summary>
    private static byte[] Repeat(Random random, byte[] body)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(body)!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return body;
        }
        var names = o.Select(p => p.Key).ToList();
        if (names.Count == 0) return body;
        var name = names[random.Next(names.Count)];
        var text = Encoding.UTF8.GetString(body);
        var value = RandomValue(random);
        var spelled = random.Next(2) == 0 ? name : name.ToUpperInvariant();
        return Encoding.UTF8.GetBytes(text[..text.LastIndexOf('}')] + $",\"{spelled}\":{value}}}");
    }

    /// <summary>Any JSON value as text, leaning to the ones parsers get wrong.</summary>
    private static string RandomValue(Random random) => random.Next(26) switch
    {
        0 => "null",
        1 => "true",
        2 => "-1",
        3 => long.MaxValue.ToString(CultureInfo.InvariantCulture),
        4 => long.MinValue.ToString(CultureInfo.InvariantCulture),
        5 => "9223372036854775808",
        6 => "1e400",
        7 => "1.5",
        8 => "-0",
        9 => (Stats.ValueMax + 1).ToString(CultureInfo.InvariantCulture),
        10 => "\"42\"",
        11 => "\"-7\"",
        12 => "\" 42\"",
        13 => "\"4.2e1\"",
        14 => "\"\"",
        15 => "\"   \"",
        16 => "\"line\\nbreak\\u0000nul|pipe\"",
        17 => "\"" + new string('x', random.Next(90, 5_000)) + "\"",
        18 => "\"\\ud800\"",
        19 => "[]",
        20 => "[\"ath-0001\",\"ath-0001\"]",
        21 => "{\"id\":\"x\"}",
        22 => "\"" + StatNames[random.Next(StatNames.Length)] + "\"",
        23 => "\"passing_yardz\"",
        24 => random.NextInt64(-1_000, 20_000_000).ToString(CultureInfo.InvariantCulture),
        _ => "\"ath-" + random.Next(0, 20).ToString("D4", CultureInfo.InvariantCulture) + "\"",
    };

    /// <summary>Random JSON of any shape, sometimes with the feed's own field names.</summary>
    private static string RandomBody(Random random)
    {
        string[] names = ["gameId", "sequence", "athleteId", "stat", "value", "startsAt", "startedAt", "endedAt",
            "athleteIds", "x"];
        string Node(int depth) => random.Next(depth > 3 ? 2 : 5) switch
        {
            0 => RandomValue(random),
            1 => random.Next(-5, 5).ToString(CultureInfo.InvariantCulture),
            2 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => Node(depth + 1))) + "]",
            _ => Obj(depth + 1),
        };
        string Obj(int depth) =>
            "{" + string.Join(",", Enumerable.Range(0, random.Next(7))
                .Select(_ => $"\"{names[random.Next(names.Length)]}\":{Node(depth)}")) + "}";
        return random.Next(6) switch
        {
            0 => "[]",
            1 => "null",
            2 => "\"text\"",
            3 => "12",
            _ => Obj(0),
        };
    }

    private static string Describe(int seed, int caseIndex, string failure, FuzzCase? c)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"feed fuzz seed {seed}, case {caseIndex}: {failure}\n");
        b.Append(CultureInfo.InvariantCulture, $"  replay: FeedFuzz.RunCase({seed}, {caseIndex}) or cpdev fuzz feed "
            + $"--seed {seed} --from {caseIndex} --cases 1\n");
        if (c is null) return b.ToString();
        foreach (var m in c.Messages.Take(40))
        {
            var body = Encoding.UTF8.GetString(m.Body);
            b.Append(CultureInfo.InvariantCulture,
                $"  #{m.Index} +{m.At.TotalMilliseconds:F0}ms "
                    + $"{m.Type} key {Show.Quote(m.Key is null ? null : Encoding.UTF8.GetString(m.Key))} "
                    + $"id {Show.Quote(m.MessageId)}{(m.Damage.Length > 0 ? " [" + m.Damage + "]" : "")}: "
                    + $"{Show.Quote(body)}\n");
        }
        if (c.Messages.Count > 40) b.Append(CultureInfo.InvariantCulture, $"  ... {c.Messages.Count - 40} more\n");
        return b.ToString();
    }

    // ---- the path, composed as FeedStore composes it ---------------------------------------

    private sealed class Tally
    {
        public long Messages, Accepted, Rejected, Dropped;
    }

    private sealed class Simulation(Path path)
    {
        private readonly FeedSequencer _sequencer = new();
        private readonly Dictionary<string, GameFacts> _states = new(StringComparer.Ordinal);
        private readonly Dictionary<string, GameSequence> _sequences = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, long), RawMessage> _held = [];
        private readonly Dictionary<(string, long), string> _released = [];
        private readonly Oracle _oracle = new();
        private readonly HashSet<string> _inbox = new(StringComparer.Ordinal);
        private int _acceptedFromUndamaged;

        public List<string> Log { get; } = [];
        public string? Failure { get; private set; }
        public Tally Tally { get; } = new();

        public void RunAll(FuzzCase c)
        {
            var last = TimeSpan.Zero;
            foreach (var m in c.Messages)
            {
                Offer(m, Epoch + m.At);
                last = m.At;
                if (Failure is not null) return;
            }
            // Whatever is still held is released once its gap expires.
            foreach (var gameId in _sequences.Keys.Order(StringComparer.Ordinal).ToList())
            {
                var step = Guard("the sequencer's tick",
                    () => _sequencer.Tick(_sequences[gameId], Epoch + last + TimeSpan.FromMinutes(5)));
                if (step is null) return;
                Apply(gameId, step, null);
                if (Failure is not null) return;
            }
            if (c.Undamaged && _acceptedFromUndamaged != c.Messages.Count)
                Fail($"an undamaged game was not accepted whole: {_acceptedFromUndamaged} of {c.Messages.Count} "
                    + $"accepted; decisions: {string.Join("; ", Log)}");
        }

        private void Offer(RawMessage m, DateTimeOffset now)
        {
            Tally.Messages++;
            // The consume loop's inbox: a message id already taken (applied or dead-lettered) is skipped, whatever its
            // content.
            if (!_inbox.Add(m.MessageId))
            {
                Tally.Dropped++;
                Log.Add($"#{m.Index} {m.MessageId} skipped by the inbox");
                return;
            }
            FeedEvent e;
            try
            {
                e = path.Read(Incoming(m));
            }
            catch (MessageRejectedException x)
            {
                Reject(m, x.Reason, null);
                return;
            }
            catch (Exception x)
            {
                Fail($"reading message #{m.Index} threw {x.GetType().FullName}: {x.Message}; "
                    + $"only MessageRejectedException is a documented rejection");
                return;
            }
            var sequence = _sequences.GetValueOrDefault(e.GameId) ?? GameSequence.Start;
            var step = Guard("the sequencer", () => _sequencer.Offer(sequence, e.Item, now));
            if (step is null) return;
            if (step.State.Held.ContainsKey(e.Sequence) && !sequence.Held.ContainsKey(e.Sequence))
                _held[(e.GameId, e.Sequence)] = m;
            Apply(e.GameId, step, (e, m));
        }

        private void Apply(string gameId, SequencerStep step, (FeedEvent Event, RawMessage Raw)? current)
        {
            _sequences[gameId] = step.State;
            foreach (var drop in step.Dropped)
            {
                var d = drop;
                if (d.Reason == FeedDropReason.Duplicate)
                {
                    _released.TryGetValue((gameId, d.Item.Sequence), out var releasedHash);
                    if (FeedDrops.ConflictWithReleased(d, releasedHash) is { } conflict) d = conflict;
                }
                if (d.Reason == FeedDropReason.Duplicate)
                {
                    Tally.Dropped++;
                    Log.Add($"{gameId}:{d.Item.Sequence} {d.Item.MessageId} dropped: {d.Detail}");
                }
                else if (current is { } c && d.Item.MessageId == c.Event.MessageId)
                    Reject(c.Raw, FeedDrops.Reason(c.Event.MessageType, c.Event.GameId, c.Event.Sequence, d), c.Event);
                else
                    Log.Add($"{gameId}:{d.Item.Sequence} alerted: {d.Detail}");
            }
            foreach (var gap in step.Gaps) Log.Add("gap " + gap.Describe(gameId));
            foreach (var item in step.Released)
            {
                (FeedEvent Event, RawMessage Raw) released;
                if (current is { } c && item.MessageId == c.Event.MessageId && item.Sequence == c.Event.Sequence)
                    released = c;
                else if (_held.Remove((gameId, item.Sequence), out var raw))
                {
                    // Held events are stored as they arrived and read again when released.
                    FeedEvent? again = null;
                    try { again = path.Read(Incoming(raw)); }
                    catch (Exception x)
                    {
                        Fail($"reading held message #{raw.Index} again threw {x.GetType().Name}: {x.Message}");
                    }
                    if (again is null) return;
                    released = (again, raw);
                }
                else
                {
                    Fail($"the sequencer released {gameId} sequence {item.Sequence}, which was never held");
                    return;
                }
                Release(gameId, released.Event, released.Raw);
                if (Failure is not null) return;
            }
        }

        private void Release(string gameId, FeedEvent e, RawMessage raw)
        {
            var state = _states.GetValueOrDefault(gameId) ?? GameFacts.Unknown(gameId);
            _released[(gameId, e.Sequence)] = e.Item.ContentHash;
            string? reason = null;
            if (!Try("validating", () => reason = path.Validate(state, e.Body))) return;
            if (reason is not null)
            {
                Reject(raw, reason, e);
                return;
            }
            GameFacts? next = null;
            if (!Try("applying", () => next = FeedValidator.Apply(state, e.Body))) return;
            _states[gameId] = next!;
            Tally.Accepted++;
            if (raw.Damage.Length == 0) _acceptedFromUndamaged++;
            Log.Add($"{gameId}:{e.Sequence} {e.MessageType} accepted");
            if (_oracle.Accept(raw, e) is { } invalid)
                Fail($"accepted message #{raw.Index} ({e.MessageType} for {Show.Quote(gameId)} at sequence "
                    + $"{e.Sequence}{(raw.Damage.Length > 0 ? ", " + raw.Damage : "")}) although {invalid}");
        }

        private void Reject(RawMessage m, string reason, FeedEvent? e)
        {
            Tally.Rejected++;
            Log.Add($"#{m.Index} rejected: {reason}");
            if (string.IsNullOrWhiteSpace(reason)) Fail($"message #{m.Index} was rejected without a reason");
            else if (reason.Length > ReasonLengthMax)
                Fail($"message #{m.Index} was rejected with a reason of {reason.Length} characters: "
                    + $"{Show.Quote(reason)}");
            else if (reason.Any(char.IsControl))
                Fail($"message #{m.Index} was rejected with a reason that is not one line: {Show.Quote(reason)}");
            else if (e is not null && !reason.Contains(e.MessageType, StringComparison.Ordinal))
                Fail($"message #{m.Index} ({e.MessageType}) was rejected with a reason that does not name its type: "
                    + $"{Show.Quote(reason)}");
        }

        private T? Guard<T>(string what, Func<T> f) where T : class
        {
            try
            {
                return f();
            }
            catch (Exception x)
            {
                Fail($"{what} threw {x.GetType().FullName}: {x.Message}");
                return null;
            }
        }

        private bool Try(string what, Action a)
        {
            try
            {
                a();
                return true;
            }
            catch (Exception x)
            {
                Fail($"{what} threw {x.GetType().FullName}: {x.Message}");
                return false;
            }
        }

        private void Fail(string failure) => Failure ??= failure;

        private static IncomingMessage Incoming(RawMessage m)
        {
            var envelope = new Envelope(m.MessageId, m.Type, 1, m.MessageId, null, Epoch + m.At);
            return new IncomingMessage
            {
                Topic = Topics.ProviderFeed, Partition = 0, Offset = m.Index, RawKey = m.Key, Value = m.Body,
                Headers = OutgoingMessage.EnvelopeHeaders(envelope), Envelope = envelope,
            };
        }
    }

    // ---- the independent reading --------------------------------------------------------------

    /// <summary>
    /// provider.feed.md read again from the raw bytes with the JSON document model, not the
    /// serializer: what an accepted event must have been. Keeps its own idea of each game.
    /// </summary>
    private sealed partial class Oracle
    {
        private sealed class Game
        {
            public HashSet<string>? Roster;
            public DateTimeOffset StartsAt;
            public DateTimeOffset? StartedAt, EndedAt;
            public long LastSequence;
        }

        private readonly Dictionary<string, Game> _games = new(StringComparer.Ordinal);

        private static readonly Dictionary<string, string[]> Fields = new()
        {
            [GameScheduled.MessageType] = ["gameId", "sequence", "startsAt", "athleteIds"],
            [GameStarted.MessageType] = ["gameId", "sequence", "startedAt"],
            [StatUpdated.MessageType] = ["gameId", "sequence", "athleteId", "stat", "value"],
            [StatCorrected.MessageType] = ["gameId", "sequence", "athleteId", "stat", "value"],
            [GameEnded.MessageType] = ["gameId", "sequence", "endedAt"],
        };

        // ISO 8601 with a date, a time and an offset, written out here rather than taken from the reader.
        [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.(?<fraction>\d+))?)?(Z|[+-]\d{2}(:\d{2})?)$",
            RegexOptions.CultureInvariant)]
        private static partial Regex Timestamp();

        [GeneratedRegex(@"^[+-]?\d{1,19}$", RegexOptions.CultureInvariant)]
        private static partial Regex IntegerText();

        /// <summary>Null when <paramref name="raw"/> is a valid event whose values are <paramref name="accepted"/>'s;
        /// otherwise what is wrong.</summary>
        public string? Accept(RawMessage raw, FeedEvent accepted)
        {
            if (!Fields.TryGetValue(raw.Type, out var fields))
                return $"its type '{raw.Type}' is not a provider feed event";
            if (accepted.MessageType != raw.Type) return $"it was read as {accepted.MessageType}";
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(raw.Body);
            }
            catch (JsonException x)
            {
                return "its body is not JSON: " + x.Message;
            }
            using var _ = doc;
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return $"its body is a JSON {root.ValueKind}, not an object";
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var field in fields)
            {
                var matches = root.EnumerateObject()
                    .Where(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)).ToList();
                if (matches.Count != 1) return $"its body has {matches.Count} '{field}' fields, not one";
                values[field] = matches[0].Value;
            }

            if (Text(values["gameId"]) is not { } gameId) return "gameId is not a string";
            if (gameId != accepted.GameId) return $"gameId reads '{gameId}', accepted as '{accepted.GameId}'";
            if (gameId.Length is < 1 or > IngestionLimits.GameIdLengthMax || string.IsNullOrWhiteSpace(gameId))
                return $"gameId has {gameId.Length} characters";
            if (raw.Key is null || !raw.Key.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(gameId)))
                return "the key is not the UTF-8 bytes of gameId";
            if (Integer(values["sequence"]) is not { } sequence) return "sequence is not an integer";
            if (sequence != accepted.Sequence) return $"sequence reads {sequence}, accepted as {accepted.Sequence}";
            if (sequence < 1) return $"sequence {sequence} is below 1";
            var game = _games.GetValueOrDefault(gameId);
            if (game is not null && sequence <= game.LastSequence)
                return $"sequence {sequence} is not after {game.LastSequence}, already accepted";

            var problem = accepted.Body switch
            {
                GameScheduled e => Scheduled(values, e, game),
                GameStarted e => Started(values, e, game),
                StatUpdated e => Stat(values, e.AthleteId, e.Stat, e.Value, game, correction: false),
                StatCorrected e => Stat(values, e.AthleteId, e.Stat, e.Value, game, correction: true),
                GameEnded e => Ended(values, e, game),
                _ => $"it was read as {accepted.Body.GetType().Name}",
            };
            if (problem is not null) return problem;
            game = _games.GetValueOrDefault(gameId);
            if (game is null)
            {
                game = new Game();
                _games[gameId] = game;
            }
            game.LastSequence = sequence;
            switch (accepted.Body)
            {
                case GameScheduled s when game.Roster is null:
                    game.Roster = s.AthleteIds.ToHashSet(StringComparer.Ordinal);
                    game.StartsAt = s.StartsAt;
                    break;
                case GameStarted s: game.StartedAt = s.StartedAt; break;
                case GameEnded s: game.EndedAt = s.EndedAt; break;
            }
            return null;
        }

        private static string? Scheduled(Dictionary<string, JsonElement> values, GameScheduled e, Game? game)
        {
            if (Time(values["startsAt"]) is not { } startsAt)
                return "startsAt is not an ISO 8601 timestamp with an offset";
            if (!startsAt.EqualsExact(e.StartsAt)) return $"startsAt reads {startsAt:O}, accepted as {e.StartsAt:O}";
            if (values["athleteIds"].ValueKind != JsonValueKind.Array) return "athleteIds is not an array";
            var ids = new List<string>();
            foreach (var item in values["athleteIds"].EnumerateArray())
            {
                if (Text(item) is not { } id) return "an athleteIds element is not a string";
                if (id.Length is < 1 or > IngestionLimits.AthleteIdLengthMax || string.IsNullOrWhiteSpace(id))
                    return $"an athlete id has {id.Length} characters";
                ids.Add(id);
            }
            if (ids.Count is < 1 or > IngestionLimits.GameRosterAthletesMax) return $"athleteIds lists {ids.Count}";
            var distinct = ids.ToHashSet(StringComparer.Ordinal);
            if (distinct.Count != ids.Count) return "athleteIds repeats an athlete";
            if (!ids.SequenceEqual(e.AthleteIds, StringComparer.Ordinal)) return "athleteIds read otherwise";
            if (game?.Roster is { } roster)
            {
                if (startsAt != game.StartsAt) return "a second schedule moved the start";
                if (!roster.SetEquals(distinct)) return "a second schedule changed the roster";
            }
            else if (startsAt == default) return "startsAt is the zero time";
            return null;
        }

        private static string? Started(Dictionary<string, JsonElement> values, GameStarted e, Game? game)
        {
            if (Time(values["startedAt"]) is not { } startedAt)
                return "startedAt is not an ISO 8601 timestamp with an offset";
            if (!startedAt.EqualsExact(e.StartedAt))
                return $"startedAt reads {startedAt:O}, accepted as {e.StartedAt:O}";
            if (game?.Roster is null) return "the game was not scheduled";
            if (game.StartedAt is not null) return "the game had started already";
            return startedAt == default ? "startedAt is the zero time" : null;
        }

        private static string? Stat(Dictionary<string, JsonElement> values, string athleteId, string stat, long value,
            Game? game, bool correction)
        {
            if (Text(values["athleteId"]) is not { } athlete || athlete != athleteId)
                return "athleteId reads otherwise";
            if (Text(values["stat"]) is not { } name || name != stat) return "stat reads otherwise";
            if (Integer(values["value"]) is not { } total) return "value is not an integer";
            if (total != value) return $"value reads {total}, accepted as {value}";
            if (total is < 0 or > Stats.ValueMax) return $"value {total} is outside 0 to {Stats.ValueMax}";
            if (!Stats.Known.Contains(stat)) return $"stat '{stat}' is not known";
            if (game?.Roster is null) return "the game was not scheduled";
            if (!game.Roster.Contains(athlete)) return $"athlete '{athlete}' is not on the roster";
            if (game.StartedAt is null) return "the game had not started";
            return game.EndedAt is not null && !correction ? "the game had ended and this is not a correction" : null;
        }

        private static string? Ended(Dictionary<string, JsonElement> values, GameEnded e, Game? game)
        {
            if (Time(values["endedAt"]) is not { } endedAt)
                return "endedAt is not an ISO 8601 timestamp with an offset";
            if (!endedAt.EqualsExact(e.EndedAt)) return $"endedAt reads {endedAt:O}, accepted as {e.EndedAt:O}";
            if (game?.StartedAt is not { } startedAt) return "the game had not started";
            if (game.EndedAt is not null) return "the game had ended already";
            return endedAt < startedAt ? "it ends before it started" : null;
        }

        private static string? Text(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.String) return null;
            try
            {
                return e.GetString();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        /// <summary>A JSON integer, or an integer written as a string (which the contract lets readers
        /// accept).</summary>
        private static long? Integer(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Number when e.TryGetInt64(out var n) && !e.GetRawText().Contains('.')
                && !e.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase) => n,
            JsonValueKind.String when Text(e) is { } s && IntegerText().IsMatch(s)
                && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };

        /// <summary>The instant, with a fraction beyond ticks cut (not rounded), as the contract lets readers keep
        /// ticks only.</summary>
        private static DateTimeOffset? Time(JsonElement e)
        {
            if (Text(e) is not { } s || Timestamp().Match(s) is not { Success: true } match) return null;
            var fraction = match.Groups["fraction"];
            if (fraction.Success && fraction.Length > 7) s = s.Remove(fraction.Index + 7, fraction.Length - 7);
            return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t)
                ? t : null;
        }
    }
}
