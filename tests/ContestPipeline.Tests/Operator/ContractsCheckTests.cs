using ContestPipeline.Cpctl.ContractDocs;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Operator;

/// <summary>
/// cpctl contracts check: a provider's feed file, checked before it goes live, line by line,
/// against the schemas, the pipeline's strict reading and Ingestion's feed rules; every reason
/// of every bad line is printed with its line number, good lines print nothing, and any bad
/// line makes the exit code 1.
/// </summary>
public sealed class ContractsCheckTests
{
    // Lines of the feeds below too wide for the source: each is one line of its feed, built from pieces.
    private const string KcatStatCorrected = """{"topic":"provider.feed","partition":0,"offset":7""" +
        ""","headers":["type","StatCorrected","schema-version","1"]""" +
        ""","key":"g2","payload":"{\"gameId\":\"g1\",\"sequence\":8,""" +
        """\"athleteId\":\"a2\",\"stat\":\"rushing_yards\",\"value\":64}"}""";
    private const string Postponed2 = """{"type":"GamePostponed","body":{"gameId":"g1","sequence":2""" +
        ""","postponedAt":"2026-11-22T17:00:00Z","newStartsAt":"2026-11-25T18:00:00Z","reason":"weather"}}""";
    private const string Postponed3 = """{"type":"GamePostponed","body":{"gameId":"g1","sequence":3""" +
        ""","postponedAt":"2026-11-22T17:30:00Z","newStartsAt":"2026-11-22T17:00:00Z"}}""";
    private const string Suspended6 = """{"type":"GameSuspended","body":{"gameId":"g1","sequence":6""" +
        ""","suspendedAt":"2026-11-25T19:00:00Z","reason":"lightning"}}""";
    private const string Suspended11 = """{"type":"GameSuspended","body":{"gameId":"g1","sequence":11""";
    private const string Cancelled12 = """{"type":"GameCancelled","body":{"gameId":"g1","sequence":12""" +
        ""","cancelledAt":"2026-11-25T20:10:00Z","reason":"power cut"}}""";

    private const string Feed = $$$"""
        {"gameId":"g1","sequence":1,"startsAt":"2026-11-22T18:00:00+00:00","athleteIds":["a1","a2"]}
        {"type":"GameStarted","key":"g1","body":{"gameId":"g1","sequence":2,"startedAt":"2026-11-22T18:02:41.25Z"}}
        {"type":"StatUpdated","body":{"gameId":"g1","sequence":3,"athleteId":"a1","stat":"passing_yards","value":212}}

        {"type":"StatUpdated","body":{"gameId":"g1","sequence":4,"athleteId":"a9","stat":"yardz","value":-3}}
        {"type":"StatUpdated","body":{"gameId":"g1","sequence":5,"athleteId":"a1","stat":"passing_yards"}}
        {"type":"StatUpdated","body":{"gameId":"g1","sequence":7,"athleteId":"a1","stat":"passing_yards","value":230}}
        {"type":"GameEnded","body":{"gameId":"g1","sequence":8,"endedAt":"2026-11-22T21:11:05"}}
        {{{KcatStatCorrected}}}
        {"type":"StatUpdated","body":{"gameId":"g1","sequence":3,"athleteId":"a1","stat":"passing_yards","value":212}}
        {"type":"StatUpdated","body":{"gameId":"g1","sequence":3,"athleteId":"a1","stat":"passing_yards","value":999}}
        {"type":"ContestDefined","body":{}}
        not json
        {"gameId":"g2","sequence":1}
        """;

    [Fact]
    public void Every_bad_line_is_reported_with_its_number_and_every_reason()
    {
        var (exit, output) = Check(Feed, type: "GameScheduled");
        Assert.Equal(1, exit);
        var byLine = ByLine(output);

        // Lines 1-3 are good; line 4 is blank.
        Assert.Equal([5, 6, 7, 8, 9, 11, 12, 13, 14], byLine.Keys.Order());
        // Schema and feed rules, each reason on its own line.
        Assert.Contains("line 5: StatUpdated: schema StatUpdated.v1.json: stat: " +
            "not one of the values the contract lists", byLine[5], StringComparison.Ordinal);
        Assert.Contains("line 5: StatUpdated: schema StatUpdated.v1.json: value: below the minimum 0", byLine[5],
            StringComparison.Ordinal);
        Assert.Contains("athleteId 'a9' is not on the game's roster", byLine[5], StringComparison.Ordinal);
        // A missing field: the schema says so, and so does the pipeline's reader.
        Assert.Contains("value: missing; it is required", byLine[6], StringComparison.Ordinal);
        Assert.Contains("unreadable body for StatUpdated", byLine[6], StringComparison.Ordinal);
        // Sequence 4 was refused by the feed's rules (it still took its sequence); 5 was unreadable, so it never
        // arrived.
        Assert.Contains("sequences 5 to 6 are missing", byLine[7], StringComparison.Ordinal);
        Assert.Contains("a timestamp is ISO 8601 with a date, a time and an offset", byLine[8],
            StringComparison.Ordinal);
        // kcat -J form: the key must be the game id.
        Assert.Contains("key 'g2' is not the gameId 'g1'", byLine[9], StringComparison.Ordinal);
        // Line 10 repeats line 3 exactly: a duplicate, dropped quietly. Line 11 changes it: a conflict.
        Assert.Contains("differs from the event already taken under it", byLine[11], StringComparison.Ordinal);
        Assert.Contains("(line 3 took sequence 3)", byLine[11], StringComparison.Ordinal);
        Assert.Contains("type 'ContestDefined' is not carried by provider.feed", byLine[12], StringComparison.Ordinal);
        Assert.Contains("line 13: not JSON", byLine[13], StringComparison.Ordinal);
        Assert.Contains("startsAt: missing; it is required", byLine[14], StringComparison.Ordinal);
        Assert.Contains(": 13 messages for provider.feed, 4 good, 9 bad", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A game postponed, started, suspended, resumed and cancelled, with bad lines of each of those events between.
    /// </summary>
    private static readonly string Phases = $$$"""
        {"gameId":"g1","sequence":1,"startsAt":"2026-11-22T18:00:00+00:00","athleteIds":["a1","a2"]}
        {{{Postponed2}}}
        {{{Postponed3}}}
        {"type":"GameStarted","body":{"gameId":"g1","sequence":4,"startedAt":"2026-11-25T18:01:00Z"}}
        {"type":"GameSuspended","body":{"gameId":"g1","sequence":5,"suspendedAt":"2026-11-25T17:00:00Z"}}
        {{{Suspended6}}}
        {"type":"GamePostponed","body":{"gameId":"g1","sequence":7,"postponedAt":"2026-11-25T19:10:00Z"}}
        {"type":"GameResumed","body":{"gameId":"g1","sequence":8,"resumedAt":"2026-11-25T18:30:00Z"}}
        {"type":"GameResumed","body":{"gameId":"g1","sequence":9,"resumedAt":"2026-11-25T20:00:00Z"}}
        {"type":"GameResumed","body":{"gameId":"g1","sequence":10,"resumedAt":"2026-11-25T20:05:00Z"}}
        {{{Suspended11}}},"suspendedAt":"2026-11-25T20:06:00Z","reason":"{{{new string('x', 501)}}}"}}
        {{{Cancelled12}}}
        {"type":"GameCancelled","body":{"gameId":"g1","sequence":13,"cancelledAt":"2026-11-25T20:20:00Z"}}
        {"type":"GameCancelled","body":{"gameId":"g2","sequence":1,"cancelledAt":"2026-11-22T18:00:00Z"}}
        {"type":"GameResumed","body":{"gameId":"g3","sequence":1}}
        """;

    [Fact]
    public void A_games_postponement_suspension_resumption_and_cancellation_are_checked_line_by_line()
    {
        var (exit, output) = Check(Phases, type: "GameScheduled");
        Assert.Equal(1, exit);
        var byLine = ByLine(output);
        // The good lines (schedule, postpone, start, suspend, resume, cancel) print nothing.
        Assert.Equal([3, 5, 7, 8, 10, 11, 13, 14, 15], byLine.Keys.Order());
        Assert.Contains("line 3: GamePostponed: GamePostponed for game g1 at sequence 3: newStartsAt", byLine[3],
            StringComparison.Ordinal);
        Assert.Contains("is not after postponedAt", byLine[3], StringComparison.Ordinal);
        Assert.Contains("line 5: GameSuspended: GameSuspended for game g1 at sequence 5: suspendedAt", byLine[5],
            StringComparison.Ordinal);
        Assert.Contains("is before startedAt", byLine[5], StringComparison.Ordinal);
        Assert.Contains("line 7: GamePostponed: ", byLine[7], StringComparison.Ordinal);
        Assert.Contains("a game in play is suspended, not postponed", byLine[7], StringComparison.Ordinal);
        Assert.Contains("line 8: GameResumed: GameResumed for game g1 at sequence 8: resumedAt", byLine[8],
            StringComparison.Ordinal);
        Assert.Contains("is before suspendedAt", byLine[8], StringComparison.Ordinal);
        Assert.Contains("line 10: GameResumed: GameResumed for game g1 at sequence 10: the game is not suspended",
            byLine[10], StringComparison.Ordinal);
        Assert.Contains("line 11: GameSuspended: schema GameSuspended.v1.json: reason:", byLine[11],
            StringComparison.Ordinal);
        Assert.Contains("reason is 501 characters; at most 500 are allowed", byLine[11], StringComparison.Ordinal);
        Assert.Contains("line 13: GameCancelled: GameCancelled for game g1 at sequence 13: the game was cancelled at",
            byLine[13], StringComparison.Ordinal);
        Assert.Contains("line 14: GameCancelled: GameCancelled for game g2 at sequence 1: the game is not scheduled",
            byLine[14], StringComparison.Ordinal);
        Assert.Contains("line 15: GameResumed: schema GameResumed.v1.json: resumedAt: missing; it is required",
            byLine[15], StringComparison.Ordinal);
        Assert.Contains(": 15 messages for provider.feed, 6 good, 9 bad", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_lines_are_each_reported_never_a_crash()
    {
        const string hostile = """
            {"gameId":"g1","sequence":1,"sequence":2,"startsAt":"2026-11-22T18:00:00+00:00","athleteIds":["a1"]}
            {"type":"GameStarted","key":5,"body":{"gameId":"g1","sequence":2,"startedAt":"2026-11-22T18:02:41.25Z"}}
            {"topic":"provider.feed","headers":[1,2,"type","StatUpdated"],"key":null,"payload":null}
            [1,2]
            null
            {"type":"GameStarted","body":{"gameId":"g1","sequence":200000,"startedAt":"2026-11-22T18:02:41.25Z"}}
            {"type":"GameStarted","body":{"gameId":"g1","sequence":"x"}}
            {"type":"GameStarted","body":[]}
            {"topic":"provider.feed","headers":["type","GameStarted","schema-version","2"],"key":"g1","payload":"{}"}
            """;
        var (exit, output) = Check(hostile, type: "GameScheduled");
        Assert.Equal(1, exit);
        for (var line = 1; line <= 9; line++) Assert.Contains($"line {line}: ", output, StringComparison.Ordinal);
        Assert.Contains("line 1: GameScheduled: unreadable body for GameScheduled: Duplicate property 'sequence'",
            output, StringComparison.Ordinal);
        Assert.Contains("line 2: GameStarted: key is not a string", output, StringComparison.Ordinal);
        Assert.Contains("line 3: StatUpdated: empty body for StatUpdated", output, StringComparison.Ordinal);
        Assert.Contains("line 4: GameScheduled: schema GameScheduled.v1.json: the body: not an object", output,
            StringComparison.Ordinal);
        Assert.Contains("is more than 100,000 beyond the next expected 1", output, StringComparison.Ordinal);
        Assert.Contains("line 9: GameStarted: schema-version 2: GameStarted is at version 1", output,
            StringComparison.Ordinal);
        Assert.Contains("9 messages for provider.feed, 0 good, 9 bad", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_feed_exits_0_and_prints_only_its_summary()
    {
        var good = string.Join("\n", Feed.Split('\n').Take(3));
        var (exit, output) = Check(good, type: "GameScheduled");
        Assert.Equal(0, exit);
        Assert.DoesNotContain("line ", output, StringComparison.Ordinal);
        Assert.Contains("3 messages for provider.feed, 3 good, 0 bad", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_body_on_a_topic_of_several_types_needs_its_type()
    {
        var (exit, output) = Check(
            """{"gameId":"g1","sequence":1,"startsAt":"2026-11-22T18:00:00+00:00","athleteIds":["a1"]}""", type: null);
        Assert.Equal(1, exit);
        Assert.Contains("which type is this?", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_of_one_type_needs_no_type_and_an_unknown_topic_is_refused()
    {
        var (exit, output) = Check("""{"canaryId":"c1","nextStage":"scoring","hops":["ingestion"]}""", type: null,
            topic: "pipeline.canary");
        Assert.True(exit == 0, output);
        Assert.Equal(2, ContractsCommand.Check("provider.fed", null, "/nonexistent", TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Kcat_lines_are_checked_for_every_header_the_pipeline_reads_and_their_broker_times_run_the_hold()
    {
        const long T0 = 1_795_000_000_000;
        static string Kcat(long ts, string payload, params string[] headers) =>
            System.Text.Json.JsonSerializer.Serialize(new { topic = "provider.feed", partition = 0, offset = 0,
                tstype = "create", ts, headers, key = "g1", payload });
        static string[] Headers(string type, int sequence) =>
            ["type", type, "schema-version", "1", "message-id", $"sp:g1:{sequence}", "occurred-at",
                "2026-11-22T17:00:00.000Z"];
        string Lines(long late) => string.Join("\n",
            Kcat(T0, """{"gameId":"g1","sequence":1,"startsAt":"2026-11-22T18:00:00Z","athleteIds":["a1"]}""",
                Headers("GameScheduled", 1)),
            // Sequence 3 arrives before 2: held for it, up to the hold time.
            Kcat(T0 + 1_000, """
                {"gameId":"g1","sequence":3,"postponedAt":"2026-11-22T17:30:00Z","newStartsAt":"2026-11-23T18:00:00Z"}
                """, Headers("GamePostponed", 3)),
            Kcat(late, """
                {"gameId":"g1","sequence":2,"postponedAt":"2026-11-22T17:20:00Z","newStartsAt":"2026-11-23T18:00:00Z"}
                """, Headers("GamePostponed", 2)),
            // Headers the pipeline reads before the body: no message-id, an occurred-at in another format.
            Kcat(late, """{"gameId":"g2","sequence":1,"startsAt":"2026-11-22T18:00:00Z","athleteIds":["a1"]}""",
                "type", "GameScheduled", "schema-version", "1"),
            Kcat(late, """{"gameId":"g3","sequence":1,"startsAt":"2026-11-22T18:00:00Z","athleteIds":["a1"]}""",
                "type", "GameScheduled", "schema-version", "1", "message-id", "sp:g3:1", "occurred-at",
                "2026-11-22 17:00"));

        // Sequence 2 taken 40 s after the gap opened: the pipeline gave it up after 30 s, so 2 is refused as late.
        var byLine = ByLine(Check(Lines(T0 + 41_000), type: null).Output);
        Assert.Contains("sequence 2 is missing before it", byLine[2], StringComparison.Ordinal);
        Assert.Contains("arrived after it was skipped", byLine[3], StringComparison.Ordinal);
        Assert.Contains("missing header message-id: the pipeline dead-letters it", byLine[4], StringComparison.Ordinal);
        Assert.Contains("header occurred-at '2026-11-22 17:00' is not", byLine[5], StringComparison.Ordinal);
        // Taken 10 s after the gap opened, it fills it in time: sequence 3 waited for it and both are applied.
        Assert.False(ByLine(Check(Lines(T0 + 11_000), type: null).Output).ContainsKey(3));
    }

    /// <summary>
    /// What a provider runs without the repository: cpctl packed as a .NET tool (as ./run pack-cpctl packs it),
    /// installed into a folder of its own and run from another, on a feed file there.
    /// </summary>
    [Fact]
    public void The_packed_tool_checks_a_feed_outside_the_repository()
    {
        var dir = Directory.CreateTempSubdirectory("cpctl-tool-").FullName;
        try
        {
            var packages = Path.Combine(dir, "packages");
            var tools = Path.Combine(dir, "tools");
            var (exit, output) = Process("dotnet", RepoPaths.Root, "pack", Path.Combine("src", "Cpctl"), "-c",
                Configuration, "--no-build", "-o", packages);
            Assert.True(exit == 0, output);
            (exit, output) = Process("dotnet", dir, "tool", "install", "--tool-path", tools, "--add-source", packages,
                "ContestPipeline.Cpctl");
            Assert.True(exit == 0, output);
            // Two lines of the feed too wide for the source, each built from pieces.
            const string scheduled = """{"type":"GameScheduled","key":"g1","body":{"gameId":"g1","sequence":1""" +
                ""","startsAt":"2026-11-22T18:00:00Z","athleteIds":["a1"]}}""";
            const string stat = """{"type":"StatUpdated","key":"g1","body":{"gameId":"g1","sequence":3""" +
                ""","athleteId":"a9","stat":"passing_yards","value":10}}""";
            File.WriteAllText(Path.Combine(dir, "feed.jsonl"), $$$"""
                {{{scheduled}}}
                {"type":"GameStarted","key":"g1","body":{"gameId":"g1","sequence":2,"startedAt":"2026-11-22T18:01:00Z"}}
                {{{stat}}}
                """);
            (exit, output) = Process(Path.Combine(tools, "cpctl"), dir, "contracts", "check", "--topic",
                "provider.feed", "feed.jsonl");
            Assert.Equal(1, exit);
            Assert.Contains("line 3: StatUpdated: StatUpdated for game g1 at sequence 3: " +
                "athleteId 'a9' is not on the game's roster",
                output, StringComparison.Ordinal);
            Assert.Contains("feed.jsonl: 3 messages for provider.feed, 2 good, 1 bad", output,
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static (int Exit, string Output) Process(string file, string workingDirectory, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    /// <summary>The check's report of each bad line, by line number.</summary>
    private static Dictionary<int, string> ByLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("line ", StringComparison.Ordinal))
            .GroupBy(l => int.Parse(l[5..l.IndexOf(':', StringComparison.Ordinal)],
                System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => string.Join("\n", g));

    private static (int Exit, string Output) Check(string lines, string? type, string topic = "provider.feed")
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("feed-check-").FullName, "feed.jsonl");
        File.WriteAllText(file, lines);
        var output = new StringWriter();
        var exit = ContractsCommand.Check(topic, type, file, output, TextWriter.Null);
        return (exit, output.ToString());
    }
}
