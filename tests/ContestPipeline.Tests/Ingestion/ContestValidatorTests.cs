using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Rules;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Tests.Ingestion;

public sealed class ContestValidatorTests
{
    private static readonly DateTimeOffset Now = At("2026-11-20T12:00:00Z");
    private static readonly DateTimeOffset G1Starts = At("2026-11-21T18:00:00Z");
    private static readonly DateTimeOffset G2Starts = At("2026-11-21T21:25:00Z");

    private static readonly IReadOnlyDictionary<string, GameInfo> Games = new Dictionary<string, GameInfo>
    {
        ["g1"] = new(G1Starts, Roster("a", 12)),
        ["g2"] = new(G2Starts, Roster("b", 12)),
        ["g3"] = new(G2Starts, Roster("c", 2)),
        ["off"] = new(G2Starts, Roster("d", 12), Cancelled: true),
        ["tbd"] = new(G2Starts, Roster("e", 12), PostponedWithoutDate: true),
    };

    /// <summary>A valid definition; each row changes one thing (or a few) and names what it expects.</summary>
    private static readonly ContestDefined Valid = new(
        ContestId: "nfl-2026-w12:main",
        Title: "NFL Week 12 Main Slate",
        Kind: ContestKinds.Fantasy,
        Currency: "USD",
        EntryFeeMinor: 1_000,
        MinEntries: 2,
        MaxEntries: 100,
        MaxEntriesPerPlayer: 3,
        LockAt: G1Starts,
        GameIds: ["g1", "g2"],
        ScoringRules: [new("passing_yards", 40), new("passing_touchdowns", 4_000), new("interceptions", -2_000)],
        LineupSize: 5,
        PrizeTable: new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new(1, 1, 4_000), new(2, 2, 2_000), new(3, 5, 1_000), new(6, 6, 1_000)]),
        Pool: new PoolRule(PoolModes.Rake, RakeBp: 1_000),
        PlatformFeeBp: 300,
        StatCorrectionWindowMinutes: 60);

    /// <summary>1st 10.00, 2nd 5.00, 3rd-5th 2.00, 6th 1.00: 22.00.</summary>
    private static readonly PrizeTable Lobby =
        new(PrizeTableKinds.FixedAmounts, Amounts: [new(1, 1, 1_000), new(2, 2, 500), new(3, 5, 200), new(6, 6, 100)]);
    /// <summary>1st 40%, 2nd 20%, 3rd-6th 10% each, in parts per billion.</summary>
    private static readonly PrizeTable Ppb = new(PrizeTableKinds.Ranked,
        Places: [new(1, 1, 0, 400_000_000), new(2, 2, 0, 200_000_000), new(3, 6, 0, 100_000_000)]);

    private static PoolRule Guaranteed(long minor) => new(PoolModes.Guaranteed, GuaranteedMinor: minor);

    private static readonly (string Name, Func<ContestDefined, ContestDefined> Change, string[] Expected)[] Table =
    [
        ("a valid definition has no reasons", d => d, []),
        ("every bound is inclusive", d => d with
        {
            ContestId = new string('x', 100), Title = new string('t', 200), EntryFeeMinor = 1_000_000,
            MaxEntries = 1_000_000,
            MaxEntriesPerPlayer = 1_000, LockAt = G1Starts, LineupSize = 20,
            ScoringRules = [new("passing_yards", 1_000_000), new("interceptions", -1_000_000)],
            Pool = new PoolRule(PoolModes.Rake, RakeBp: 5_000), PlatformFeeBp = 2_000,
            StatCorrectionWindowMinutes = 10_080,
        }, []),
        ("the lower bounds are inclusive too", d => d with
        {
            EntryFeeMinor = 1, MinEntries = 2, MaxEntries = 2, MaxEntriesPerPlayer = 1, LockAt = Now.AddTicks(1),
            LineupSize = 1,
            PrizeTable = new PrizeTable(PrizeTableKinds.WinnerTakesAll), Pool = new PoolRule(PoolModes.Rake, RakeBp: 0),
            PlatformFeeBp = 0, StatCorrectionWindowMinutes = 0,
        }, []),

        ("a missing contest id is named", d => d with { ContestId = null! }, ["contestId is missing"]),
        ("an empty contest id is missing", d => d with { ContestId = "" }, ["contestId is missing"]),
        ("a contest id over 100 characters is too long", d => d with { ContestId = new string('x', 101) },
            ["contestId is 101 characters; at most 100 are allowed"]),
        ("a contest id with a space names the character and where", d => d with { ContestId = "nfl week" },
            ["contestId 'nfl week' has ' ' at index 3; only A-Z, a-z, 0-9, '_', '.', ':' and '-' are allowed"]),
        ("a contest id with a control character shows its code point", d => d with { ContestId = "c\n1" },
            ["contestId 'c\\u000A1' has '\\u000A' at index 1; only A-Z, a-z, 0-9, '_', '.', ':' and '-' are allowed"]),
        ("a quoted value cannot forge the separator between reasons", d => d with { ContestId = "a | b" },
            ["contestId 'a \\u007C b' has ' ' at index 1; only A-Z, a-z, 0-9, '_', '.', ':' and '-' are allowed"]),
        ("a contest id both too long and badly spelled gets both reasons",
            d => d with { ContestId = new string('x', 100) + "/" },
            ["contestId is 101 characters; at most 100 are allowed",
             $"contestId '{new string('x', 80)}…' has '/' at index 100; only A-Z, a-z, 0-9, '_', '.', ':' and '-' " +
                 "are allowed"]),

        ("a blank title is missing", d => d with { Title = "   " }, ["title is missing"]),
        ("a title over 200 characters is too long", d => d with { Title = new string('t', 201) },
            ["title is 201 characters; at most 200 are allowed"]),

        ("an unknown kind is named", d => d with { Kind = "sports" }, ["kind 'sports' is not 'fantasy' or 'fitness'"]),
        ("a missing kind is named", d => d with { Kind = null! }, ["kind is missing"]),

        ("a lower-case currency is not supported", d => d with { Currency = "usd" },
            ["currency 'usd' is not supported; supported: AUD, CAD, EUR, GBP, USD"]),
        ("a currency with another exponent is not supported", d => d with { Currency = "JPY" },
            ["currency 'JPY' is not supported; supported: AUD, CAD, EUR, GBP, USD"]),
        ("a missing currency is named", d => d with { Currency = null! }, ["currency is missing"]),

        ("a free contest without a guarantee is rejected: nothing would fund its prizes",
            d => d with { EntryFeeMinor = 0 },
            ["entryFeeMinor 0 (free to enter) needs a 'guaranteed' pool: nothing is paid in, so the platform or a "
                + "sponsor funds the prizes"]),
        ("a free contest with a sponsor's guarantee is valid",
            d => d with
            {
                EntryFeeMinor = 0, Pool = new(PoolModes.Guaranteed, GuaranteedMinor: 2_000, Sponsor: "acme"),
            },
            []),
        ("a negative fee is rejected", d => d with { EntryFeeMinor = -500 },
            ["entryFeeMinor -500 is out of range; it must be 0 (free to enter, with a guaranteed pool) or 1 to "
                + "1,000,000 minor units"]),
        ("a fee above 10,000.00 is rejected", d => d with { EntryFeeMinor = 1_000_001 },
            ["entryFeeMinor 1,000,001 is out of range; it must be 0 (free to enter, with a guaranteed pool) or 1 to "
                + "1,000,000 minor units"]),

        ("a contest of one is rejected", d => d with { MinEntries = 1 },
            ["minEntries 1 is less than 2; a contest needs someone to beat"]),
        ("a cap below the minimum is rejected", d => d with { MinEntries = 10, MaxEntries = 5, MaxEntriesPerPlayer = 1,
            PrizeTable = new(PrizeTableKinds.WinnerTakesAll) },
            ["maxEntries 5 is less than minEntries 10"]),
        ("a cap of one is rejected even when the minimum is also wrong", d => d with { MinEntries = 1, MaxEntries = 1,
            MaxEntriesPerPlayer = 1, PrizeTable = new(PrizeTableKinds.WinnerTakesAll) },
            ["minEntries 1 is less than 2; a contest needs someone to beat", "maxEntries 1 is less than 2"]),
        ("an absurd cap is rejected", d => d with { MaxEntries = 1_000_001 },
            ["maxEntries 1,000,001 is more than 1,000,000"]),

        ("no entries per player is rejected", d => d with { MaxEntriesPerPlayer = 0 },
            ["maxEntriesPerPlayer 0 is less than 1"]),
        ("more than 1,000 entries per player is rejected",
            d => d with { MaxEntries = 5_000, MaxEntriesPerPlayer = 1_001 },
            ["maxEntriesPerPlayer 1,001 is more than 1,000"]),
        ("more entries per player than entries is rejected", d => d with { MaxEntries = 6, MaxEntriesPerPlayer = 7 },
            ["maxEntriesPerPlayer 7 is more than maxEntries 6"]),
        ("a per-player limit over both bounds gets both reasons",
            d => d with { MaxEntries = 1_000, MaxEntriesPerPlayer = 1_001 },
            ["maxEntriesPerPlayer 1,001 is more than 1,000",
             "maxEntriesPerPlayer 1,001 is more than maxEntries 1,000"]),

        ("a lock time in the past is rejected", d => d with { LockAt = Now.AddMinutes(-1) },
            ["lockAt 2026-11-20T11:59:00.000Z is not after now (2026-11-20T12:00:00.000Z); a contest must take " +
                "entries before it locks"]),
        ("a lock time of now is rejected: it could take no entry", d => d with { LockAt = Now },
            ["lockAt 2026-11-20T12:00:00.000Z is not after now (2026-11-20T12:00:00.000Z); a contest must take " +
                "entries before it locks"]),
        ("a lock after the first game starts is rejected naming the game",
            d => d with { LockAt = G1Starts.AddMinutes(1) },
            ["lockAt 2026-11-21T18:01:00.000Z is after game g1 starts at 2026-11-21T18:00:00.000Z"]),
        ("a lock after every game starts names each game", d => d with { LockAt = G2Starts.AddHours(1) },
            ["lockAt 2026-11-21T22:25:00.000Z is after game g1 starts at 2026-11-21T18:00:00.000Z",
             "lockAt 2026-11-21T22:25:00.000Z is after game g2 starts at 2026-11-21T21:25:00.000Z"]),
        ("a lock before every game is accepted", d => d with { LockAt = G1Starts.AddHours(-2) }, []),

        ("no games is rejected", d => d with { GameIds = [] },
            ["gameIds is empty; a contest covers at least one game"]),
        ("missing games are rejected", d => d with { GameIds = null! },
            ["gameIds is empty; a contest covers at least one game"]),
        ("more than 50 games are reported by their count only",
            d => d with { GameIds = [.. Enumerable.Range(0, 51).Select(i => "x" + i)] },
            ["gameIds lists 51 games; at most 50 are allowed"]),
        ("a repeated game is rejected", d => d with { GameIds = ["g1", "g2", "g1"] },
            ["gameIds[2] 'g1' repeats gameIds[0]"]),
        ("a game the feed has not scheduled is rejected", d => d with { GameIds = ["g1", "g9"] },
            ["gameIds[1] 'g9' is not a game the feed has scheduled"]),
        ("a blank game id is rejected", d => d with { GameIds = ["g1", " "] }, ["gameIds[1] is missing"]),

        ("no scoring rules is rejected", d => d with { ScoringRules = [] },
            ["scoringRules is empty; a contest scores at least one stat"]),
        ("an unknown stat is named with its index",
            d => d with { ScoringRules = [new("passing_yards", 40), new("rushing_yards", 100), new("yardz", 100)] },
            ["scoringRules[2].stat 'yardz' is not a known stat"]),
        ("a missing stat is named", d => d with { ScoringRules = [new("passing_yards", 40), new(null!, 100)] },
            ["scoringRules[1].stat is missing"]),
        ("a missing rule is named", d => d with { ScoringRules = [new("passing_yards", 40), null!] },
            ["scoringRules[1] is missing"]),
        ("a stat scored twice is rejected", d =>
            d with { ScoringRules = [new("passing_yards", 40), new("receptions", 1_000), new("passing_yards", 50)] },
            ["scoringRules[2].stat 'passing_yards' repeats scoringRules[0]"]),
        ("more than 1,000 points per unit is rejected",
            d => d with { ScoringRules = [new("passing_yards", 1_000_001)] },
            ["scoringRules[0].pointsPerUnitMilli 1,000,001 is outside ±1,000,000 thousandths of a point"]),
        ("the most negative points per unit is rejected without overflow",
            d => d with { ScoringRules = [new("passing_yards", 40), new("interceptions", long.MinValue)] },
            ["scoringRules[1].pointsPerUnitMilli -9,223,372,036,854,775,808 is outside ±1,000,000 thousandths " +
                "of a point"]),
        ("rules that all score zero are rejected",
            d => d with { ScoringRules = [new("passing_yards", 0), new("receptions", 0)] },
            ["every scoringRules[].pointsPerUnitMilli is 0; at least one rule must score"]),
        ("more than 50 rules are reported by their count only",
            d => d with { ScoringRules = [.. Enumerable.Range(0, 51).Select(i => new ScoringRule("s" + i, 1))] },
            ["scoringRules lists 51 rules; at most 50 are allowed"]),

        ("an empty fantasy lineup is rejected", d => d with { LineupSize = 0 },
            ["lineupSize 0 is out of range; a fantasy lineup has 1 to 20 athletes"]),
        ("a fantasy lineup over 20 is rejected", d => d with { LineupSize = 21 },
            ["lineupSize 21 is out of range; a fantasy lineup has 1 to 20 athletes"]),
        ("a lineup larger than the rosters is rejected",
            d => d with { GameIds = ["g3"], LockAt = G2Starts, LineupSize = 3 },
            ["lineupSize 3 is more than the 2 athletes on the rosters of gameIds"]),
        ("a fitness challenge takes no lineup",
            d => d with { Kind = ContestKinds.Fitness, LineupSize = 5, ScoringRules = [new("steps", 1)] },
            ["lineupSize 5 must be 0 for a fitness challenge; players score their own stats"]),
        ("a fitness challenge with lineup size 0 is valid",
            d => d with { Kind = ContestKinds.Fitness, LineupSize = 0, ScoringRules = [new("steps", 1)] }, []),

        ("a missing prize table is named", d => d with { PrizeTable = null! }, ["prizeTable is missing"]),
        ("an unknown prize table kind is named", d => d with { PrizeTable = new("top_two") },
            ["prizeTable.kind 'top_two' is not one of custom_percentages, fixed_amounts, ranked, top_three_equal, " +
                "top_three_weighted, winner_takes_all"]),
        ("custom percentages must total 10,000 bp",
            d => d with { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [5_000, 3_000, 1_900]) },
            ["prizeTable.percentagesBp totals 9,900 bp; it must total 10,000"]),
        ("custom percentages over 10,000 bp are rejected",
            d => d with { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [6_000, 3_000, 2_000]) },
            ["prizeTable.percentagesBp totals 11,000 bp; it must total 10,000"]),
        ("a custom place paid nothing is rejected",
            d => d with { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [10_000, 0]) },
            ["prizeTable.percentagesBp[1] is 0 bp; every paid place gets more than 0"]),
        ("a worse custom place paid more is rejected",
            d => d with { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [5_000, 2_000, 3_000]) },
            ["prizeTable.percentagesBp[2] 3,000 bp is more than percentagesBp[1] 2,000 bp; a better place " +
                "never gets less"]),
        ("custom percentages need their list", d => d with { PrizeTable = new(PrizeTableKinds.CustomPercentages) },
            ["prizeTable.percentagesBp is empty; custom_percentages lists the share of each paid place"]),
        ("custom percentages longer than 10,000 are reported by their count only", d => d with
            { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [.. Enumerable.Repeat(1, 10_001)]) },
            ["prizeTable.percentagesBp lists 10,001 places; at most 10,000 can each get 1 bp or more"]),
        ("a list the kind does not use is rejected, not ignored",
            d => d with { PrizeTable = new(PrizeTableKinds.WinnerTakesAll, PercentagesBp: [10_000]) },
            ["prizeTable.percentagesBp is given but kind 'winner_takes_all' does not use it"]),
        ("ranked places given to custom percentages are rejected", d => d with
            { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [10_000],
                Places: [new(1, 1, 10_000)]) },
            ["prizeTable.places is given but kind 'custom_percentages' does not use it"]),
        ("a ranked table with a gap names the places not covered", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [new(1, 1, 5_000), new(2, 2, 2_000), new(5, 7, 1_000)]) },
            ["prizeTable.places[2] starts at place 5 but places[1] ends at place 2; places 3 to 4 are not covered"]),
        ("a ranked table missing one place names it",
            d => d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 1, 5_000), new(3, 7, 1_000)]) },
            ["prizeTable.places[1] starts at place 3 but places[0] ends at place 1; place 2 is not covered"]),
        ("a ranked table with overlapping rows is rejected",
            d => d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 2, 3_000), new(2, 5, 1_000)]) },
            ["prizeTable.places[1] starts at place 2, overlapping places[0] which ends at place 2"]),
        ("a ranked table must start at first place",
            d => d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(2, 2, 10_000)]) },
            ["prizeTable.places[0] starts at place 2; the table starts at place 1"]),
        ("a ranked row ending before it starts is rejected",
            d => d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 1, 10_000), new(2, 1, 0)]) },
            ["prizeTable.places[1] from 2 is after to 1",
             "prizeTable.places[1].shareBp is 0 bp; every paid place gets more than 0"]),
        ("a worse ranked row paid more is rejected", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [new(1, 1, 3_000), new(2, 2, 2_000), new(3, 3, 3_000), new(4, 5, 1_000)]) },
            ["prizeTable.places[2].shareBp 3,000 bp is more than places[1].shareBp 2,000 bp; a better place " +
                "never gets less"]),
        ("a ranked table counts each place of a range",
            d => d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 1, 4_000), new(2, 10, 600)]) },
            ["prizeTable.places total 9,400 bp (each row's shareBp times its number of places); it must total 10,000"]),
        ("a ranked total beyond 64 bits is computed exactly", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [.. Enumerable.Repeat(new PrizePlace(1, int.MaxValue, int.MaxValue), 3)]) },
            ["prizeTable.places[1] starts at place 1, overlapping places[0] which ends at place 2,147,483,647",
             "prizeTable.places[2] starts at place 1, overlapping places[1] which ends at place 2,147,483,647",
             "prizeTable.places total 13,835,058,042,397,261,827 bp (each row's shareBp times its number of places); " +
                 "it must total 10,000",
             "prizeTable pays 2,147,483,647 places; at most 200,000 are allowed",
             "prizeTable pays 2,147,483,647 places but maxEntries is 100"]),
        ("a missing ranked row is named",
            d => d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 1, 10_000), null!]) },
            ["prizeTable.places[1] is missing"]),
        ("ranked rows over 10,000 are reported by their count only", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [.. Enumerable.Range(1, 10_001).Select(i => new PrizePlace(i, i, 1))]) },
            ["prizeTable.places lists 10,001 rows; at most 10,000 are allowed"]),

        ("a ranked table in parts per billion is valid", d => d with { PrizeTable = Ppb }, []),
        ("parts per billion must total a billion", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 1, 0, 500_000_000), new(2, 6, 0, 99_999_999)]) },
            ["prizeTable.places total 999,999,995 ppb (each row's sharePpb times its number of places); it must " +
                "total 1,000,000,000"]),
        ("a worse row paid more parts per billion is rejected", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [new(1, 1, 0, 100_000_000), new(2, 2, 0, 500_000_000), new(3, 6, 0, 100_000_000)]) },
            ["prizeTable.places[1].sharePpb 500,000,000 ppb is more than places[0].sharePpb 100,000,000 ppb; a " +
                "better place never gets less"]),
        ("a row of 0 ppb is rejected", d =>
            d with { PrizeTable = new(PrizeTableKinds.Ranked, Places: [new(1, 1, 0, 1_000_000_000), new(2, 2, 0, 0)]) },
            ["prizeTable.places[1].sharePpb is 0 ppb; every paid place gets more than 0"]),
        ("a table mixing basis points and parts per billion names each row in the wrong unit", d => d with
            { PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [new(1, 1, 0, 600_000_000), new(2, 2, 2_000, 200_000_000), new(3, 6, 0, 50_000_000)]) },
            ["prizeTable.places[1].shareBp is 2,000 bp in a table of sharePpb rows; a table gives every share in one " +
                "unit, with shareBp 0 beside sharePpb"]),

        ("a fixed amount table on a guaranteed pool of its total is valid",
            d => d with { PrizeTable = Lobby, Pool = Guaranteed(2_200) }, []),
        ("fixed amounts that do not total the guarantee are rejected with the pool",
            d => d with { PrizeTable = Lobby, Pool = Guaranteed(2_000) },
            ["pool.guaranteedMinor 2,000 is not the 2,200 that prizeTable.amounts total (each row's amountMinor " +
                "times its number of places); a fixed_amounts table pays exactly its guarantee"]),
        ("fixed amounts on a rake pool are rejected", d => d with { PrizeTable = Lobby },
            ["pool.mode 'rake' cannot pay a 'fixed_amounts' prizeTable; fixed amounts need a 'guaranteed' pool"]),
        ("a worse place paid a larger fixed amount is rejected", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts,
                Amounts: [new(1, 1, 1_000), new(2, 2, 200), new(3, 6, 250)]), Pool = Guaranteed(2_200) },
            ["prizeTable.amounts[2].amountMinor 250 is more than amounts[1].amountMinor 200; a better place " +
                "never gets less"]),
        ("a fixed amount of 0 is rejected", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts, Amounts: [new(1, 1, 2_200), new(2, 6, 0)]),
                Pool = Guaranteed(2_200) },
            ["prizeTable.amounts[1].amountMinor is 0; every paid place gets more than 0"]),
        ("fixed amount rows with a gap and an overlap name both", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts,
                Amounts: [new(2, 3, 1_000), new(5, 5, 100), new(5, 6, 50)]), Pool = Guaranteed(2_200) },
            ["prizeTable.amounts[0] starts at place 2; the table starts at place 1",
             "prizeTable.amounts[1] starts at place 5 but amounts[0] ends at place 3; place 4 is not covered",
             "prizeTable.amounts[2] starts at place 5, overlapping amounts[1] which ends at place 5"]),
        ("fixed amounts need their list",
            d => d with { PrizeTable = new(PrizeTableKinds.FixedAmounts), Pool = Guaranteed(2_200) },
            ["prizeTable.amounts is empty; fixed_amounts lists place ranges and the amount each of their " +
                "places receives"]),
        ("fixed amounts over 10,000 rows are reported by their count only", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts, Amounts: [.. Enumerable.Range(1, 10_001)
                .Select(i => new PrizeAmount(i, i, 1))]), Pool = Guaranteed(10_001), MaxEntries = 20_000 },
            ["prizeTable.amounts lists 10,001 rows; at most 10,000 are allowed"]),
        ("amounts given to a ranked table are rejected, not ignored",
            d => d with { PrizeTable = Valid.PrizeTable with { Amounts = [new(1, 1, 100)] } },
            ["prizeTable.amounts is given but kind 'ranked' does not use it"]),
        ("a fixed amount total beyond 64 bits is computed exactly", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts, Amounts: [new(1, 3, long.MaxValue)]),
                Pool = Guaranteed(1_000) },
            ["pool.guaranteedMinor 1,000 is not the 27,670,116,110,564,327,421 that prizeTable.amounts total (each " +
                "row's amountMinor times its number of places); a fixed_amounts table pays exactly its guarantee"]),
        ("a table paying more than 200,000 places is rejected", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts, Amounts: [new(1, 1, 1_000_000), new(2, 200_001, 100)]),
                Pool = Guaranteed(21_000_000), MaxEntries = 1_000_000 },
            ["prizeTable pays 200,001 places; at most 200,000 are allowed"]),
        ("a table paying 200,000 places to a million entries is valid", d => d with
            { PrizeTable = new(PrizeTableKinds.FixedAmounts, Amounts: [new(1, 1, 1_000_000), new(2, 200_000, 100)]),
                Pool = Guaranteed(20_999_900), MaxEntries = 1_000_000 },
            []),

        ("paying more places than entries is rejected",
            d => d with { MaxEntries = 2, MaxEntriesPerPlayer = 1, PrizeTable = new(PrizeTableKinds.TopThreeEqual) },
            ["prizeTable pays 3 places but maxEntries is 2"]),
        ("a ranked table paying more places than entries is rejected", d => d with { MaxEntries = 5 },
            ["prizeTable pays 6 places but maxEntries is 5"]),

        ("a missing pool is named", d => d with { Pool = null! }, ["pool is missing"]),
        ("an unknown pool mode is named", d => d with { Pool = new("house") },
            ["pool.mode 'house' is not 'rake' or 'guaranteed'"]),
        ("a rake over 50% is rejected", d => d with { Pool = new(PoolModes.Rake, RakeBp: 5_001) },
            ["pool.rakeBp 5,001 bp is out of range; a rake pool takes 0 to 5,000 bp"]),
        ("a negative rake is rejected", d => d with { Pool = new(PoolModes.Rake, RakeBp: -1) },
            ["pool.rakeBp -1 bp is out of range; a rake pool takes 0 to 5,000 bp"]),
        ("a rake pool with a guarantee is rejected",
            d => d with { Pool = new(PoolModes.Rake, RakeBp: 1_000, GuaranteedMinor: 50_000) },
            ["pool.guaranteedMinor 50,000 must be 0 for a rake pool"]),
        ("a guaranteed pool of nothing is rejected", d => d with { Pool = new(PoolModes.Guaranteed) },
            ["pool.guaranteedMinor 0 is out of range; it must be 1 to 1,000,000,000 minor units"]),
        ("a guaranteed pool over 10,000,000.00 is rejected",
            d => d with { Pool = new(PoolModes.Guaranteed, GuaranteedMinor: 1_000_000_001) },
            ["pool.guaranteedMinor 1,000,000,001 is out of range; it must be 1 to 1,000,000,000 minor units"]),
        ("a guaranteed pool with a rake is rejected",
            d => d with { Pool = new(PoolModes.Guaranteed, RakeBp: 500, GuaranteedMinor: 100_000) },
            ["pool.rakeBp 500 bp must be 0 for a guaranteed pool"]),
        ("a guaranteed pool at its bound is valid",
            d => d with { Pool = new(PoolModes.Guaranteed, GuaranteedMinor: 1_000_000_000) }, []),
        ("a sponsored guaranteed pool is valid",
            d => d with { Pool = Guaranteed(100_000) with { Sponsor = "acme-sports_1" } }, []),
        ("a sponsor on a rake pool is rejected",
            d => d with { Pool = new(PoolModes.Rake, RakeBp: 1_000, Sponsor: "acme") },
            ["pool.sponsor 'acme' is only for a 'guaranteed' pool; a rake pool has no overlay for a sponsor to fund"]),
        ("a sponsor id that would not make a ledger account is rejected at its first bad character",
            d => d with { Pool = Guaranteed(100_000) with { Sponsor = "acme:Sports" } },
            ["pool.sponsor 'acme:Sports' has ':' at index 4; only a-z, 0-9, '_' and '-' are allowed"]),
        ("an empty or over-long sponsor id is rejected",
            d => d with { Pool = Guaranteed(100_000) with { Sponsor = new string('a', 65) } },
            ["pool.sponsor is 65 characters; it must be 1 to 64"]),

        ("a platform fee over 20% is rejected", d => d with { PlatformFeeBp = 2_001 },
            ["platformFeeBp 2,001 bp is out of range; it must be 0 to 2,000 bp"]),
        ("a negative platform fee is rejected", d => d with { PlatformFeeBp = -1 },
            ["platformFeeBp -1 bp is out of range; it must be 0 to 2,000 bp"]),
        ("a correction window over 7 days is rejected", d => d with { StatCorrectionWindowMinutes = 10_081 },
            ["statCorrectionWindowMinutes 10,081 is out of range; it must be 0 to 10,080 (7 days)"]),
        ("a negative correction window is rejected", d => d with { StatCorrectionWindowMinutes = -1 },
            ["statCorrectionWindowMinutes -1 is out of range; it must be 0 to 10,080 (7 days)"]),

        ("a contest may choose to be cancelled when a game does not finish",
            d => d with { UnfinishedGames = UnfinishedGameRules.CancelAndRefund }, []),
        ("a slate may end a day after the last game starts", d => d with { SlateEndsAt = G2Starts.AddDays(1) }, []),
        ("a slate may end up to 14 days after the lock", d => d with { SlateEndsAt = G1Starts.AddDays(14) }, []),
        ("an unknown rule for unfinished games is rejected", d => d with { UnfinishedGames = "shrug" },
            ["unfinishedGames 'shrug' is not 'score_as_played' or 'cancel_and_refund'"]),
        ("a slate cannot end before a covered game starts", d => d with { SlateEndsAt = G2Starts },
            ["slateEndsAt 2026-11-21T21:25:00.000Z is not after game g2 starts at 2026-11-21T21:25:00.000Z"]),
        ("a slate cannot end at the lock", d => d with { SlateEndsAt = G1Starts },
            ["slateEndsAt 2026-11-21T18:00:00.000Z is not after lockAt 2026-11-21T18:00:00.000Z"]),
        ("a slate cannot end more than 14 days after the lock",
            d => d with { SlateEndsAt = G1Starts.AddDays(14).AddSeconds(1) },
            ["slateEndsAt 2026-12-05T18:00:01.000Z is more than 14 days after lockAt 2026-11-21T18:00:00.000Z"]),
        ("a cancelled game cannot be covered", d => d with { GameIds = ["g1", "off"] },
            ["gameIds[1] 'off' is cancelled; a contest cannot cover it"]),
        ("a game postponed without a new time cannot be covered", d => d with { GameIds = ["tbd", "g2"] },
            ["gameIds[0] 'tbd' is postponed with no new start time; define the contest once the provider gives one"]),

        ("every reason is listed, in the order of the fields", d => d with
        {
            ContestId = "", Currency = "XXX", EntryFeeMinor = 0, LockAt = Now, GameIds = ["g1", "g9"],
            ScoringRules = [new("yardz", 1)],
            PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [9_900]), PlatformFeeBp = 9_999,
        },
        [
            "contestId is missing",
            "currency 'XXX' is not supported; supported: AUD, CAD, EUR, GBP, USD",
            "entryFeeMinor 0 (free to enter) needs a 'guaranteed' pool: nothing is paid in, so the platform or a " +
                "sponsor funds the prizes",
            "lockAt 2026-11-20T12:00:00.000Z is not after now (2026-11-20T12:00:00.000Z); a contest must take " +
                "entries before it locks",
            "gameIds[1] 'g9' is not a game the feed has scheduled",
            "scoringRules[0].stat 'yardz' is not a known stat",
            "prizeTable.percentagesBp totals 9,900 bp; it must total 10,000",
            "platformFeeBp 9,999 bp is out of range; it must be 0 to 2,000 bp",
        ]),
    ];

    public static TheoryData<string> Cases => [.. Table.Select(row => row.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_definition_gets_exactly_its_reasons(string name)
    {
        var row = Table.Single(r => r.Name == name);
        var reasons = ContestValidator.Validate(row.Change(Valid), Games, Now);
        Assert.Equal(row.Expected, reasons);
    }

    [Fact]
    public void Every_case_name_is_unique() =>
        Assert.Equal(Table.Length, Table.Select(r => r.Name).Distinct().Count());

    [Fact]
    public void Reasons_travel_on_one_line_with_a_separator_no_reason_contains()
    {
        var reasons = ContestValidator.Validate(Valid with { EntryFeeMinor = 0, PlatformFeeBp = -1 }, Games, Now);
        Assert.Equal(
            "entryFeeMinor 0 (free to enter) needs a 'guaranteed' pool: nothing is paid in, so the platform or a " +
                "sponsor funds the prizes | platformFeeBp -1 bp is out of range; it must be 0 to 2,000 bp",
            ContestValidator.Join(reasons));
        Assert.All(Table.SelectMany(r => r.Expected),
            reason => Assert.DoesNotContain(ContestValidator.ReasonSeparator, reason));
    }

    [Theory]
    [InlineData(PrizeTableKinds.WinnerTakesAll, 1)]
    [InlineData(PrizeTableKinds.TopThreeEqual, 3)]
    [InlineData(PrizeTableKinds.TopThreeWeighted, 3)]
    public void Fixed_prize_tables_pay_their_places(string kind, int places) =>
        Assert.Equal(places, ContestValidator.PaidPlaces(new PrizeTable(kind)));

    [Fact]
    public void A_ranked_table_pays_down_to_its_last_place() =>
        Assert.Equal(6, ContestValidator.PaidPlaces(Valid.PrizeTable));

    [Fact]
    public void Validation_never_changes_the_definition()
    {
        var def = Valid with
            { PrizeTable = new(PrizeTableKinds.CustomPercentages, PercentagesBp: [6_000, 3_000, 900]) };
        var before = System.Text.Json.JsonSerializer.Serialize(def);
        ContestValidator.Validate(def, Games, Now);
        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(def));
    }

    [Fact]
    public void A_game_awaited_from_the_feed_is_no_reason_and_what_needs_it_waits_for_it()
    {
        var def = Valid with { GameIds = ["g1", "g-later"], LineupSize = 20 };
        var awaited = new HashSet<string>(StringComparer.Ordinal) { "g-later" };

        // g1 alone has 12 athletes, fewer than 20: that check waits for g-later's roster.
        Assert.Empty(ContestValidator.Validate(def, Games, Now, awaited));
        Assert.Equal(["gameIds[1] 'g-later' is not a game the feed has scheduled"],
            ContestValidator.Validate(def, Games, Now));
        // Anything else wrong is a reason whatever is awaited: such a definition is refused at once, not parked.
        Assert.Equal(["gameIds[0] is missing"],
            ContestValidator.Validate(def with { GameIds = [null!, "g-later"] }, Games, Now, awaited));
        Assert.Equal(["entryFeeMinor -5 is out of range; it must be 0 (free to enter, with a guaranteed pool) or 1 "
                + "to 1,000,000 minor units"],
            ContestValidator.Validate(def with { EntryFeeMinor = -5 }, Games, Now, awaited));
    }

    [Fact]
    public void An_absurd_list_of_reasons_travels_as_its_first_twenty_and_how_many_more()
    {
        var def = Valid with { PrizeTable = new(PrizeTableKinds.CustomPercentages,
            PercentagesBp: [.. Enumerable.Range(0, 10_000).Select(i => i % 2 - 1)]) };
        var reasons = ContestValidator.Validate(def, Games, Now);

        var line = ContestValidator.Join(reasons);

        Assert.True(reasons.Count > 10_000, $"{reasons.Count} reasons");
        Assert.Equal(ContestValidator.ReasonsListedMax + 1, line.Split(ContestValidator.ReasonSeparator).Length);
        Assert.EndsWith($" | and {reasons.Count - ContestValidator.ReasonsListedMax:N0} more reasons", line);
        Assert.True(line.Length < ContestPipeline.Plumbing.Limits.ReasonLengthMax,
            $"{line.Length} characters: a dead letter would cut the count off");
        Assert.StartsWith("prizeTable.percentagesBp[0] is -1 bp; every paid place gets more than 0 | ", line);
    }

    /// <summary>
    /// The largest table a definition may carry: 10,000 rows over 200,000 places in parts per
    /// billion (1st 161,000 ppb, 2nd to 9,999th 81,000 each, 10,000th to 200,000th 1,000 each).
    /// </summary>
    private static PrizeTable LargestTable() => new(PrizeTableKinds.Ranked, Places:
    [
        new(1, 1, 0, 161_000),
        .. Enumerable.Range(2, 9_998).Select(p => new PrizePlace(p, p, 0, 81_000)),
        new(10_000, ContestLimits.PaidPlacesMax, 0, 1_000),
    ]);

    [Fact]
    public void The_largest_table_a_definition_may_carry_is_valid()
    {
        var def = Valid with { MaxEntries = ContestLimits.EntriesMax, PrizeTable = LargestTable() };

        Assert.Equal(ContestLimits.PrizeTableRowsMax, def.PrizeTable.Places!.Count);
        Assert.Empty(ContestValidator.Validate(def, Games, Now));
    }

    [Fact]
    public void A_table_of_200000_rows_is_refused_by_its_length_without_reading_its_rows()
    {
        var def = Valid with
        {
            MaxEntries = ContestLimits.EntriesMax,
            PrizeTable = new(PrizeTableKinds.Ranked,
                Places: [.. Enumerable.Range(1, 200_000).Select(p => new PrizePlace(p, p, 0, 5_000))]),
        };

        Assert.Equal(["prizeTable.places lists 200,000 rows; at most 10,000 are allowed"],
            ContestValidator.Validate(def, Games, Now));
    }

    /// <summary>
    /// Bounding the rows is what keeps a definition within a message: a definition at every
    /// bound, each row with the longest numbers a valid row can have (6-digit places, a
    /// 10-digit share in parts per billion), every text field at its longest and made of a
    /// character JSON escapes to six bytes, fits in the ContestScheduled that carries it on,
    /// with its headers, under the pipeline's 1,000,000-byte limit.
    /// </summary>
    [Fact]
    public void The_longest_definition_the_bounds_allow_fits_in_one_message()
    {
        var escaped = '<';
        var def = Valid with
        {
            ContestId = new string('x', IngestionLimits.ContestIdLengthMax),
            Title = new string(escaped, IngestionLimits.TitleLengthMax),
            MaxEntries = ContestLimits.EntriesMax,
            GameIds = [.. Enumerable.Range(0, IngestionLimits.GamesPerContestMax)
                .Select(i => i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) +
                    new string(escaped, IngestionLimits.GameIdLengthMax - 3))],
            ScoringRules =
                [.. Stats.Known.Select(stat => new ScoringRule(stat, -IngestionLimits.PointsPerUnitMilliAbsMax))],
            PrizeTable = new(PrizeTableKinds.Ranked, Places: [.. Enumerable.Repeat(
                new PrizePlace(ContestLimits.PaidPlacesMax, ContestLimits.PaidPlacesMax, 0, PrizePlace.SharePpbWhole),
                ContestLimits.PrizeTableRowsMax)]),
            Pool = new PoolRule(PoolModes.Rake, RakeBp: ContestLimits.RakeBpMax,
                GuaranteedMinor: IngestionLimits.GuaranteedPoolMinorMax),
            PlatformFeeBp = IngestionLimits.PlatformFeeBpMax,
            StatCorrectionWindowMinutes = IngestionLimits.StatCorrectionWindowMinutesMax,
        };
        var scheduled = ContestPipeline.Plumbing.Messaging.OutgoingMessage.Create(Topics.ContestLifecycle,
            def.ContestId,
            new Envelope(ContestScheduled.MessageIdFor(def.ContestId), ContestScheduled.MessageType,
                ContestScheduled.SchemaVersion,
                new string('c', 200), new string('m', 200), DateTimeOffset.UnixEpoch),
            new ContestScheduled(def));

        Assert.True(scheduled.WireBytes < ContestPipeline.Plumbing.Limits.MessageBytesMax * 3 / 4,
            $"{scheduled.WireBytes:N0} bytes: the row bound no longer keeps a definition well within a message");
    }

    private static DateTimeOffset At(string text) =>
        DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static IReadOnlySet<string> Roster(string prefix, int count) =>
        Enumerable.Range(1, count).Select(i => prefix + i).ToHashSet(StringComparer.Ordinal);
}
