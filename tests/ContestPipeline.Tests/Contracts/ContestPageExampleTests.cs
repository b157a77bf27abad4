using System.Text.Json;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Tests.Contracts;

/// <summary>
/// The definitions on the contests page are what operators copy: each must read as strictly as
/// Ingestion reads a message, be valid (its games scheduled before it locks), and be a table
/// Settlement pays as the page says.
/// </summary>
public sealed partial class ContestPageExampleTests
{
    private static readonly string PagePath = Path.Combine(RepoPaths.Root, "docs", "topics", "contests.md");

    public static TheoryData<string> Examples() => [.. Definitions().Select(d => d.ContestId)];

    [Theory]
    [MemberData(nameof(Examples))]
    public void A_definition_on_the_contests_page_is_valid_and_pays_its_table(string contestId)
    {
        var def = Definitions().Single(d => d.ContestId == contestId);
        var games = def.GameIds.ToDictionary(g => g, _ => new GameInfo(def.LockAt,
            Enumerable.Range(1, 40).Select(i => $"athlete{i}").ToHashSet(StringComparer.Ordinal)));

        Assert.Empty(ContestValidator.Validate(def, games, def.LockAt.AddDays(-1)));
        var table = PrizeRules.From(def).Places();
        if (def.Pool.Mode == PoolModes.Guaranteed && table.Pay == PlacePay.FixedAmounts)
            Assert.Equal(def.Pool.GuaranteedMinor, (long)PlaceTable.Total(table.Runs));
    }

    [Fact]
    public void The_page_shows_a_ranked_table_a_fixed_amount_lobby_and_a_guaranteed_pool() =>
        Assert.Equal(
            [PrizeTableKinds.Ranked, PrizeTableKinds.FixedAmounts, PrizeTableKinds.CustomPercentages],
            Definitions().Select(d => d.PrizeTable.Kind));

    private static IEnumerable<ContestDefined> Definitions() =>
        JsonBlock().Matches(File.ReadAllText(PagePath))
            .Select(m => m.Groups["json"].Value)
            .Where(json => json.Contains("\"prizeTable\"", StringComparison.Ordinal))
            .Select(json => JsonSerializer.Deserialize<ContestDefined>(json, OutgoingMessage.Json)!);

    [GeneratedRegex("```json\\n(?<json>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
