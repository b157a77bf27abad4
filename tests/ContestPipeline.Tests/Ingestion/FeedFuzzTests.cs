using System.Text.Json;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Ingestion.Feed;
using ContestPipeline.Local.Fuzz;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Tests.Ingestion;

/// <summary>
/// Seeded random provider.feed traffic (see <see cref="FeedFuzz"/>) through the code that reads
/// and validates it: 4 seeds × 300 cases = 1,200 in CI, each case a game's worth of damaged
/// messages. A failure message starts with its seed and case and says how to replay it.
/// Broken readers and validators show that the checks bite: each must be caught.
/// </summary>
public sealed class FeedFuzzTests
{
    private const int Seeds = 4;
    private const int CasesPerSeed = FeedFuzz.CasesDefault / Seeds;

    public static TheoryData<int> SeedValues() => [20_261_122, 1, 2, 3];

    [Theory]
    [MemberData(nameof(SeedValues))]
    public void Damaged_feed_traffic_is_rejected_cleanly_and_only_valid_events_are_accepted(int seed)
    {
        var summary = FeedFuzz.Run(seed, CasesPerSeed);

        Assert.True(summary.FailedCases == 0,
            $"{summary.FailedCases} of {summary.Cases} cases failed; first:\n{string.Join("\n", summary.Failures)}");
        // The damage reaches every outcome, or the run proves little.
        Assert.True(summary.Accepted > 1_000 && summary.Rejected > 1_000 && summary.DroppedQuietly > 10,
            $"accepted {summary.Accepted}, rejected {summary.Rejected}, dropped {summary.DroppedQuietly} of " +
                $"{summary.Messages}");
    }

    [Fact]
    public void A_case_is_the_same_traffic_every_time_it_is_generated()
    {
        var a = FeedFuzz.Generate(7, 42);
        var b = FeedFuzz.Generate(7, 42);

        Assert.Equal(a.GameId, b.GameId);
        Assert.Equal(a.Messages.Count, b.Messages.Count);
        Assert.Equal(a.Messages.Select(Render), b.Messages.Select(Render));
    }

    private static string Render(FeedFuzz.RawMessage m) =>
        $"{m.Index} {m.At} {m.Type} {m.MessageId} {Convert.ToHexString(m.Key ?? [])} " +
            $"{Convert.ToHexString(m.Body)} {m.Damage}";

    public static TheoryData<string> Mutants() => [.. BrokenPaths.Keys];

    [Theory]
    [MemberData(nameof(Mutants))]
    public void A_broken_reader_or_validator_is_caught_and_its_seed_named(string mutant)
    {
        const int seed = 99;
        var summary = FeedFuzz.Run(seed, CasesPerSeed, BrokenPaths[mutant]);

        Assert.True(summary.FailedCases > 0, $"{mutant} went unnoticed in {summary.Cases} cases");
        Assert.StartsWith($"feed fuzz seed {seed}, case ", summary.Failures[0]);
        Assert.Contains($"replay: FeedFuzz.RunCase({seed}, ", summary.Failures[0]);
    }

    /// <summary>
    /// The body with each repeated field kept once, at its last value: what a lenient reader makes of it.
    /// </summary>
    private static byte[] LastOfEachField(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return body;
            var last = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in doc.RootElement.EnumerateObject()) last[p.Name] = p.Value;
            return JsonSerializer.SerializeToUtf8Bytes(last.ToDictionary(p => p.Key, p => p.Value));
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static FeedFuzz.Path Validating(Func<string?, string?> change) =>
        new(FeedEvent.From, (state, e) => change(FeedValidator.Validate(state, e)));

    private static readonly Dictionary<string, FeedFuzz.Path> BrokenPaths = new()
    {
        ["negative totals accepted"] =
            Validating(r => r is not null && r.Contains("is negative", StringComparison.Ordinal) ? null : r),
        ["totals above the bound accepted"] =
            Validating(r => r is not null && r.Contains("largest plausible", StringComparison.Ordinal) ? null : r),
        ["athletes off the roster accepted"] = Validating(r => r is not null
            && r.Contains("not on the game's roster", StringComparison.Ordinal) ? null : r),
        ["stats before the start accepted"] =
            Validating(r => r is not null && r.Contains("has not started", StringComparison.Ordinal) ? null : r),
        ["unreadable bodies thrown as JsonException"] = new(m =>
        {
            _ = JsonDocument.Parse(m.Value);
            return FeedEvent.From(m);
        }, FeedValidator.Validate),
        ["a repeated field read as its last"] = new(m => FeedEvent.From(new IncomingMessage
        {
            Topic = m.Topic, Partition = m.Partition, Offset = m.Offset, RawKey = m.RawKey, Headers = m.Headers,
            Envelope = m.Envelope,
            Value = LastOfEachField(m.Value!),
        }), FeedValidator.Validate),
        ["a reason that changes from run to run"] =
            Validating(r => r is null ? null : r + " #" + Guid.NewGuid().ToString("N")[..6]),
    };
}
