using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Plumbing.Messaging;
using NJsonSchema;
using ContestPipeline.Rules;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// <c>cpctl contracts check</c>: a producer's messages, one per line, checked before they go live
/// against the generated JSON Schema of their type, the pipeline's own strict reading of a body
/// (<see cref="OutgoingMessage.Json"/>), and, on <c>provider.feed</c>, the feed validation Ingestion
/// applies (<see cref="FeedValidator"/>, game by game in the file's order). No database, no broker.
/// </summary>
/// <remarks>
/// A line is one of: a body (its type given by <c>--type</c>, or the topic's only type);
/// <c>{"type": "...", "body": {...}}</c>, optionally with <c>"key"</c>; or what <c>kcat -J</c>
/// prints for a consumed message (type and schema version from its headers, its key, the body in
/// <c>payload</c>; its other headers read as the consumers read them, and its broker timestamp <c>ts</c> running the
/// feed's hold time). Blank lines are skipped.
/// </remarks>
public static class ContractCheck
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks each line; <paramref name="domainRules"/> off checks each body alone (schema and
    /// strict reading), as for examples that are not one feed in order.
    /// </summary>
    public static IReadOnlyList<CheckedLine> Check(
        TopicContract topic, IEnumerable<string> lines, string? type = null, bool domainRules = true)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(lines);
        var feed = domainRules && topic.Spec.Name == Topics.ProviderFeed ? new FeedCheck() : null;
        var results = new List<CheckedLine>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var reasons = new List<string>();
            var message = Read(topic, line, type, reasons);
            if (message is not null) CheckBody(topic, message, number, feed, reasons);
            results.Add(new CheckedLine(number, message?.Type, reasons));
        }
        feed?.Finish();
        return results;
    }

    /// <summary>A line read: its type, version, key and body, and, from kcat -J, when the broker took it.</summary>
    private sealed record Message(string Type, int? Version, string? Key, string Body, DateTimeOffset? At = null);

    /// <summary>
    /// Which form the line is in, and so its type, key and body; null (with a reason) when it cannot tell.
    /// </summary>
    /// <remarks>
    /// Read with JsonDocument, which keeps a property written twice, so a body's own faults are left for the
    /// checks below to name.
    /// </remarks>
    private static Message? Read(TopicContract topic, string line, string? givenType, List<string> reasons)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            reasons.Add("not JSON: " + IncomingMessage.OneLine(e.Message));
            return null;
        }
        using (doc)
        {
            var message = Form(topic, doc.RootElement, line, givenType, reasons);
            if (message is null) return null;
            if (!topic.Types.Contains(message.Type, StringComparer.Ordinal))
            {
                reasons.Add($"type '{message.Type}' is not carried by {topic.Spec.Name} " +
                    $"(it carries {string.Join(", ", topic.Types)})");
                return null;
            }
            var contract = ContractModel.Message(message.Type);
            if (message.Version is { } version && version != contract.Version)
                reasons.Add($"schema-version {version}: {message.Type} is at version {contract.Version}");
            return message;
        }
    }

    private static Message? Form(
        TopicContract topic, JsonElement root, string line, string? givenType, List<string> reasons)
    {
        var names = root.ValueKind == JsonValueKind.Object ? root.EnumerateObject().Select(p => p.Name).ToList() : [];
        string? Text(string name, string what)
        {
            var found = root.EnumerateObject().LastOrDefault(p => p.Name == name);
            if (found.Value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return null;
            if (found.Value.ValueKind == JsonValueKind.String) return found.Value.GetString();
            reasons.Add($"{what} is not a string");
            return null;
        }
        if (names.Contains("payload") && root.TryGetProperty("headers", out var headers) &&
            headers.ValueKind == JsonValueKind.Array)
        {
            // kcat -J: headers are a flat list of name, value, name, value ...
            var list = headers.EnumerateArray()
                .Select(h => h.ValueKind == JsonValueKind.String ? h.GetString() : null).ToList();
            string? Header(string name)
            {
                for (var i = 0; i + 1 < list.Count; i += 2)
                    if (list[i] == name) return list[i + 1];
                return null;
            }
            var versionText = Header(MessageHeaders.SchemaVersion);
            int? parsed = int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : null;
            if (versionText is not null && parsed is null)
                reasons.Add($"header schema-version '{versionText}' is not a positive decimal integer");
            var type = Header(MessageHeaders.Type) ?? givenType;
            if (type is null) reasons.Add("no type header");
            // Every other header the pipeline reads, read as its consumers read it (the first fault is named).
            var envelope = IncomingMessage.ParseEnvelope([.. Pairs(list)], DateTimeOffset.UnixEpoch, out var problem);
            if (envelope is null && type is not null && (versionText is null || parsed is not null))
                reasons.Add($"{problem}: the pipeline dead-letters it before reading the body");
            var key = Text("key", "key");
            var payload = Text("payload", "payload") ?? "";
            DateTimeOffset? at = root.TryGetProperty("ts", out var ts) && ts.TryGetInt64(out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : null;
            return type is null ? null : new Message(type, parsed, key, payload, at);
        }
        if (names.Count > 0 && names.Contains("type") && names.Contains("body")
            && names.All(n => n is "type" or "body" or "key")
            && root.GetProperty("type").ValueKind == JsonValueKind.String)
        {
            var key = Text("key", "key");
            return new Message(root.GetProperty("type").GetString()!, null, key, root.GetProperty("body").GetRawText());
        }
        var bare = givenType ?? (topic.Types.Count == 1 ? topic.Types[0] : null);
        if (bare is null)
        {
            reasons.Add($"which type is this? {topic.Spec.Name} carries {string.Join(", ", topic.Types)}: " +
                $"give --type, or write the line as {{\"type\": ..., \"body\": ...}}");
            return null;
        }
        return new Message(bare, null, null, line);
    }

    /// <summary>kcat's flat header list (name, value, name, value ...) as headers; a null value is left out.</summary>
    private static IEnumerable<Header> Pairs(List<string?> list)
    {
        for (var i = 0; i + 1 < list.Count; i += 2)
            if (list[i] is { } name && list[i + 1] is { } value)
                yield return new Header(name, Encoding.UTF8.GetBytes(value));
    }

    private static void CheckBody(
        TopicContract topic, Message message, int number, FeedCheck? feed, List<string> reasons)
    {
        var contract = ContractModel.Message(message.Type);
        if (string.IsNullOrWhiteSpace(message.Body))
        {
            reasons.Add($"empty body for {message.Type}");
            return;
        }
        var schema = Schemas.GetOrAdd(contract.SchemaFile, _ =>
            JsonSchema.FromJsonAsync(ContractSchemas.Text(ContractSchemas.For(contract))).GetAwaiter().GetResult());
        try
        {
            var errors = schema.Validate(message.Body).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
            // A body that is not an object is missing every field too; saying so once is enough.
            if (errors.FirstOrDefault(e => e.Kind == NJsonSchema.Validation.ValidationErrorKind.ObjectExpected &&
                    Where(e.Path) == "the body") is { } notObject)
                errors = [notObject];
            foreach (var error in errors)
                reasons.Add($"schema {contract.SchemaFile}: {Where(error.Path)}: {Describe(error)}");
        }
        catch (Newtonsoft.Json.JsonException e)
        {
            reasons.Add("not JSON: " + IncomingMessage.OneLine(e.Message));
            return;
        }
        if (contract.Record is null) return;
        object? body;
        try
        {
            body = JsonSerializer.Deserialize(message.Body, contract.Record, OutgoingMessage.Json);
        }
        catch (JsonException e)
        {
            // The same words the pipeline dead-letters an unreadable body with.
            reasons.Add($"unreadable body for {message.Type}: {IncomingMessage.OneLine(e.Message)}");
            return;
        }
        if (body is null)
        {
            reasons.Add($"body of {message.Type} is JSON null");
            return;
        }
        feed?.Check(body, message, number, reasons);
    }

    private static string Describe(NJsonSchema.Validation.ValidationError error)
    {
        var s = error.Schema;
        return error.Kind switch
        {
            NJsonSchema.Validation.ValidationErrorKind.PropertyRequired => "missing; it is required",
            NJsonSchema.Validation.ValidationErrorKind.NotInEnumeration => "not one of the values the contract lists",
            NJsonSchema.Validation.ValidationErrorKind.NumberTooSmall => $"below the minimum {s?.Minimum}",
            NJsonSchema.Validation.ValidationErrorKind.NumberTooBig => $"above the maximum {s?.Maximum}",
            NJsonSchema.Validation.ValidationErrorKind.StringTooShort => $"shorter than {s?.MinLength} characters",
            NJsonSchema.Validation.ValidationErrorKind.StringTooLong => $"longer than {s?.MaxLength} characters",
            NJsonSchema.Validation.ValidationErrorKind.PatternMismatch => $"does not match {s?.Pattern}",
            NJsonSchema.Validation.ValidationErrorKind.TooFewItems => $"fewer than {s?.MinItems} items",
            NJsonSchema.Validation.ValidationErrorKind.TooManyItems => $"more than {s?.MaxItems} items",
            NJsonSchema.Validation.ValidationErrorKind.ItemsNotUnique => "an item is repeated",
            var kind when kind.ToString().EndsWith("Expected", StringComparison.Ordinal) =>
                "not " + Article(kind.ToString()[..^"Expected".Length].ToLowerInvariant()),
            var kind => kind.ToString(),
        };
    }

    private static string Article(string word) =>
        ("aeiou".Contains(word[0], StringComparison.Ordinal) ? "an " : "a ") + word;

    private static string Where(string? path) =>
        string.IsNullOrEmpty(path) || path == "#/" ? "the body"
        : path.StartsWith("#/", StringComparison.Ordinal) ? path[2..]
        : path;

    /// <summary>
    /// The feed as Ingestion takes it, one game at a time in the file's order, through the same
    /// rules: the key is the game id, <see cref="FeedSequencer"/> orders each game's events (a
    /// duplicate, a conflict, an event too far ahead, a gap), and <see cref="FeedValidator"/>
    /// checks each event it releases against what the game's earlier events said. A file has no
    /// time, so no gap is given up while it is read; at its end, the gaps still open are, as the
    /// pipeline gives them up once their hold time passes, and what waited behind them is checked.
    /// </summary>
    private sealed class FeedCheck
    {
        private static readonly FeedSequencer Sequencer = new();
        private readonly Dictionary<string, Game> _games = new(StringComparer.Ordinal);

        /// <summary>
        /// The file's clock: when the broker took the latest line that says (kcat -J's <c>ts</c>); lines that do not
        /// say arrive at that same moment.
        /// </summary>
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        private sealed class Game(string gameId)
        {
            public GameSequence Sequencing { get; set; } = GameSequence.Start;
            public GameFacts State { get; set; } = GameFacts.Unknown(gameId);
            public Dictionary<long, FeedItem> Released { get; } = [];
            public Dictionary<string, (object Body, string Type, List<string> Reasons)> Waiting { get; } =
                new(StringComparer.Ordinal);
        }

        public void Check(object body, Message message, int number, List<string> reasons)
        {
            var (_, id, sequence) = FeedValidator.Identify(body);
            if (FeedEvents.GameIdProblem(message.Type, id, sequence) is { } problem)
            {
                reasons.Add(problem);
                return;
            }
            var gameId = id!;
            if (message.Key is not null && message.Key != gameId)
                reasons.Add($"key '{message.Key}' is not the gameId '{gameId}'; provider.feed is keyed by game id");
            if (!_games.TryGetValue(gameId, out var game)) _games[gameId] = game = new Game(gameId);
            // Time passes as the broker's timestamps say: gaps whose hold ran out meanwhile are given up first, as
            // the pipeline's job gives them up every second.
            if (message.At is { } at && at > _now) Tick(_now = at);
            var item = new FeedItem(sequence, "line " + number.ToString(CultureInfo.InvariantCulture),
                FeedEvents.ContentHash(Encoding.UTF8.GetBytes(message.Body)));
            game.Waiting[item.MessageId] = (body, message.Type, reasons);
            var before = game.Sequencing;
            var step = Sequencer.Offer(before, item, _now);
            if (step.State.Held.ContainsKey(sequence) && !before.Held.ContainsKey(sequence))
                reasons.Add($"{message.Type} for game {gameId} at sequence {sequence}: " +
                    $"{Missing(step.State, sequence)} missing before it; the pipeline " +
                    $"holds this event for them up to {Sequencer.GapHoldTime.TotalSeconds:0} s, " +
                    "then gives them up with a feed_gap alert");
            Apply(game, step);
        }

        /// <summary>
        /// The end of the file: every gap still open is given up, and what waited behind it is checked.
        /// </summary>
        public void Finish() => Tick(_now + Sequencer.GapHoldTime);

        private void Tick(DateTimeOffset now)
        {
            foreach (var game in _games.Values) Apply(game, Sequencer.Tick(game.Sequencing, now));
        }

        private static void Apply(Game game, SequencerStep step)
        {
            game.Sequencing = step.State;
            foreach (var dropped in step.Dropped)
            {
                var drop = dropped.Reason == FeedDropReason.Duplicate
                    ? FeedDrops.ConflictWithReleased(dropped,
                        game.Released.GetValueOrDefault(dropped.Item.Sequence)?.ContentHash)
                    : dropped;
                var (_, type, reasons) = game.Waiting[dropped.Item.MessageId];
                game.Waiting.Remove(dropped.Item.MessageId);
                // A re-send of what was taken is dropped quietly, as the pipeline drops it.
                if (drop is not null)
                    reasons.Add(FeedDrops.Reason(type, game.State.GameId, dropped.Item.Sequence, drop) +
                        Taken(game, drop));
            }
            foreach (var item in step.Released)
            {
                var (body, _, reasons) = game.Waiting[item.MessageId];
                game.Waiting.Remove(item.MessageId);
                game.Released[item.Sequence] = item;
                if (FeedValidator.Validate(game.State, body) is { } problem) reasons.Add(problem);
                else game.State = FeedValidator.Apply(game.State, body);
            }
        }

        /// <summary>Which earlier line a conflicting event's sequence was taken from.</summary>
        private static string Taken(Game game, FeedDrop drop) =>
            drop.Reason == FeedDropReason.Conflict && game.Released.TryGetValue(drop.Item.Sequence, out var taken)
                ? $" ({taken.MessageId} took sequence {drop.Item.Sequence})"
                : "";

        /// <summary>
        /// "sequences 5 to 6 are", "sequence 8 is": what is below <paramref name="sequence"/> and neither taken nor
        /// held.
        /// </summary>
        private static string Missing(GameSequence state, long sequence)
        {
            var missing = new List<(long First, long Last)>();
            for (var s = state.NextSequence; s < sequence; s++)
            {
                if (state.Held.ContainsKey(s)) continue;
                if (missing.Count > 0 && missing[^1].Last == s - 1) missing[^1] = (missing[^1].First, s);
                else missing.Add((s, s));
            }
            var count = missing.Sum(r => r.Last - r.First + 1);
            var ranges = string.Join(", ",
                missing.Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First} to {r.Last}"));
            return count == 1 ? $"sequence {ranges} is" : $"sequences {ranges} are";
        }
    }
}
