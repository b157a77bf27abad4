using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using static ContestPipeline.Contracts.Contests.ContestLimits;
using static ContestPipeline.Ingestion.Domain.IngestionLimits;

namespace ContestPipeline.Ingestion.Domain;

/// <summary>A game the feed has already scheduled: when it starts and who is on its roster.</summary>
public sealed record GameInfo(DateTimeOffset StartsAt, IReadOnlySet<string> AthleteIds);

/// <summary>
/// Decides whether a contest definition may be scheduled. It lists every reason it may not,
/// never the first only, so an operator fixes a definition in one round; and it never
/// repairs a definition, because a contest that runs on rules nobody wrote is worse than
/// one that does not run.
/// </summary>
/// <remarks>
/// Reasons come in a fixed order: the fields in the order <see cref="ContestDefined"/>
/// declares them (contestId, title, kind, currency, entryFeeMinor, minEntries, maxEntries,
/// maxEntriesPerPlayer, lockAt, gameIds, scoringRules, lineupSize, prizeTable, pool,
/// platformFeeBp, statCorrectionWindowMinutes). Within a list, elements are checked in
/// index order and each element's checks in the order the code lists them. Two checks that
/// span fields are reported with the later field: "lockAt is after game X starts" with each
/// game of gameIds, and "the games' rosters are smaller than the lineup" with lineupSize.
/// A list longer than its bound is reported once, by its length, and its elements are not
/// examined: such a list can never be valid, and examining it would flood the reasons.
/// </remarks>
public static class ContestValidator
{
    /// <summary>
    /// Every reason <paramref name="def"/> cannot be scheduled at <paramref name="now"/>; empty when it can.
    /// A game in <paramref name="awaitedGames"/> that is not known yet is no reason: the checks
    /// that need it (its start against lockAt, its roster against lineupSize) wait for it, so
    /// empty then means the definition may wait for its games rather than be refused now.
    /// </summary>
    public static IReadOnlyList<string> Validate(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames, DateTimeOffset now,
        IReadOnlySet<string>? awaitedGames = null)
    {
        ArgumentNullException.ThrowIfNull(def);
        ArgumentNullException.ThrowIfNull(knownGames);
        var reasons = new List<string>();
        ContestId(def.ContestId, reasons);
        Title(def.Title, reasons);
        Kind(def.Kind, reasons);
        CurrencyCode(def.Currency, reasons);
        Entries(def, reasons);
        if (def.LockAt <= now)
            reasons.Add($"lockAt {Show.Time(def.LockAt)} is not after now ({Show.Time(now)}); a contest must take entries before it locks");
        var allGamesKnown = Games(def, knownGames, awaitedGames, reasons);
        ScoringRules(def.ScoringRules, reasons);
        LineupSize(def, knownGames, allGamesKnown, reasons);
        PrizeTable(def, reasons);
        Pool(def.Pool, reasons);
        if (def.PlatformFeeBp is < 0 or > PlatformFeeBpMax)
            reasons.Add($"platformFeeBp {Show.N(def.PlatformFeeBp)} bp is out of range; it must be 0 to {Show.N(PlatformFeeBpMax)} bp");
        if (def.StatCorrectionWindowMinutes is < 0 or > StatCorrectionWindowMinutesMax)
            reasons.Add($"statCorrectionWindowMinutes {Show.N(def.StatCorrectionWindowMinutes)} is out of range; it must be 0 to {Show.N(StatCorrectionWindowMinutesMax)} (7 days)");
        return reasons;
    }

    /// <summary>
    /// Between reasons when they travel as one line (a dead letter's dlq-reason, an alert's
    /// message). Not "; ": single reasons contain that.
    /// </summary>
    public const string ReasonSeparator = " | ";

    /// <summary>
    /// A definition can hold 10,000 places, each wrong in several ways: beyond this many reasons
    /// a line lists the first ones and says how many more there are (and stays well within the
    /// 4,000 characters a dead letter's reason may have).
    /// </summary>
    public const int ReasonsListedMax = 20;

    /// <summary>Every reason on one line, in order, for a dead letter or an alert (the first <see cref="ReasonsListedMax"/> of a longer list, then how many more).</summary>
    public static string Join(IReadOnlyList<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        return reasons.Count <= ReasonsListedMax
            ? string.Join(ReasonSeparator, reasons)
            : string.Join(ReasonSeparator, reasons.Take(ReasonsListedMax)) + ReasonSeparator + $"and {Show.N(reasons.Count - ReasonsListedMax)} more reasons";
    }

    /// <summary>How many places a table pays, or null when it cannot be told (unknown kind, missing list).</summary>
    public static int? PaidPlaces(PrizeTable table) => table.Kind switch
    {
        PrizeTableKinds.WinnerTakesAll => 1,
        PrizeTableKinds.TopThreeEqual or PrizeTableKinds.TopThreeWeighted => 3,
        PrizeTableKinds.CustomPercentages => table.PercentagesBp is { Count: > 0 } p ? p.Count : null,
        PrizeTableKinds.Ranked => table.Places?.Where(p => p is not null).Select(p => (int?)p.To).Max(),
        _ => null,
    };

    private static void ContestId(string? id, List<string> reasons)
    {
        if (string.IsNullOrEmpty(id))
        {
            reasons.Add("contestId is missing");
            return;
        }
        if (id.Length > ContestIdLengthMax)
            reasons.Add($"contestId is {Show.N(id.Length)} characters; at most {Show.N(ContestIdLengthMax)} are allowed");
        // Contest ids become parts of message ids, keys and refund ids, so they are kept to
        // characters that need no escaping anywhere.
        for (var i = 0; i < id.Length; i++)
        {
            if (IsIdChar(id[i])) continue;
            reasons.Add($"contestId {Show.Quote(id)} has {Show.Quote(id[i].ToString())} at index {i}; only A-Z, a-z, 0-9, '_', '.', ':' and '-' are allowed");
            break;
        }
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-';

    private static void Title(string? title, List<string> reasons)
    {
        if (string.IsNullOrWhiteSpace(title)) reasons.Add("title is missing");
        else if (title.Length > TitleLengthMax)
            reasons.Add($"title is {Show.N(title.Length)} characters; at most {Show.N(TitleLengthMax)} are allowed");
    }

    private static void Kind(string? kind, List<string> reasons)
    {
        if (kind is null) reasons.Add("kind is missing");
        else if (kind is not (ContestKinds.Fantasy or ContestKinds.Fitness))
            reasons.Add($"kind {Show.Quote(kind)} is not '{ContestKinds.Fantasy}' or '{ContestKinds.Fitness}'");
    }

    private static void CurrencyCode(string? code, List<string> reasons)
    {
        if (code is null) reasons.Add("currency is missing");
        else if (!Currency.TryParse(code, out _))
            reasons.Add($"currency {Show.Quote(code)} is not supported; supported: {string.Join(", ", Currency.Supported.Order(StringComparer.Ordinal))}");
    }

    private static void Entries(ContestDefined def, List<string> reasons)
    {
        if (def.EntryFeeMinor is < EntryFeeMinorMin or > EntryFeeMinorMax)
            reasons.Add($"entryFeeMinor {Show.N(def.EntryFeeMinor)} is out of range; it must be {Show.N(EntryFeeMinorMin)} to {Show.N(EntryFeeMinorMax)} minor units");
        if (def.MinEntries < MinEntriesMin)
            reasons.Add($"minEntries {Show.N(def.MinEntries)} is less than {MinEntriesMin}; a contest needs someone to beat");
        if (def.MaxEntries < def.MinEntries)
            reasons.Add($"maxEntries {Show.N(def.MaxEntries)} is less than minEntries {Show.N(def.MinEntries)}");
        else if (def.MaxEntries < MinEntriesMin)
            reasons.Add($"maxEntries {Show.N(def.MaxEntries)} is less than {MinEntriesMin}");
        if (def.MaxEntries > EntriesMax)
            reasons.Add($"maxEntries {Show.N(def.MaxEntries)} is more than {Show.N(EntriesMax)}");
        if (def.MaxEntriesPerPlayer < 1)
            reasons.Add($"maxEntriesPerPlayer {Show.N(def.MaxEntriesPerPlayer)} is less than 1");
        if (def.MaxEntriesPerPlayer > EntriesPerPlayerMax)
            reasons.Add($"maxEntriesPerPlayer {Show.N(def.MaxEntriesPerPlayer)} is more than {Show.N(EntriesPerPlayerMax)}");
        if (def.MaxEntriesPerPlayer > def.MaxEntries && def.MaxEntries >= 1)
            reasons.Add($"maxEntriesPerPlayer {Show.N(def.MaxEntriesPerPlayer)} is more than maxEntries {Show.N(def.MaxEntries)}");
    }

    /// <summary>True when gameIds is a valid list of distinct games that are all known.</summary>
    private static bool Games(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames, IReadOnlySet<string>? awaitedGames, List<string> reasons)
    {
        var ids = def.GameIds;
        if (ids is null || ids.Count == 0)
        {
            reasons.Add("gameIds is empty; a contest covers at least one game");
            return false;
        }
        if (ids.Count > GamesPerContestMax)
        {
            reasons.Add($"gameIds lists {Show.N(ids.Count)} games; at most {Show.N(GamesPerContestMax)} are allowed");
            return false;
        }
        var ok = true;
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (string.IsNullOrWhiteSpace(id))
            {
                reasons.Add($"gameIds[{i}] is missing");
                ok = false;
                continue;
            }
            if (!firstIndex.TryAdd(id, i))
            {
                reasons.Add($"gameIds[{i}] {Show.Quote(id)} repeats gameIds[{firstIndex[id]}]");
                ok = false;
                continue;
            }
            if (!knownGames.TryGetValue(id, out var game))
            {
                ok = false;
                if (awaitedGames?.Contains(id) == true) continue;
                reasons.Add($"gameIds[{i}] {Show.Quote(id)} is not a game the feed has scheduled");
                continue;
            }
            // Entries must close before any covered game starts, or a player could pick
            // athletes whose first stats are already known.
            if (def.LockAt > game.StartsAt)
                reasons.Add($"lockAt {Show.Time(def.LockAt)} is after game {id} starts at {Show.Time(game.StartsAt)}");
        }
        return ok;
    }

    private static void ScoringRules(IReadOnlyList<ScoringRule?>? rules, List<string> reasons)
    {
        if (rules is null || rules.Count == 0)
        {
            reasons.Add("scoringRules is empty; a contest scores at least one stat");
            return;
        }
        if (rules.Count > ScoringRulesMax)
        {
            reasons.Add($"scoringRules lists {Show.N(rules.Count)} rules; at most {Show.N(ScoringRulesMax)} are allowed");
            return;
        }
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var anyRule = false;
        var anyScores = false;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule is null)
            {
                reasons.Add($"scoringRules[{i}] is missing");
                continue;
            }
            anyRule = true;
            if (string.IsNullOrEmpty(rule.Stat))
                reasons.Add($"scoringRules[{i}].stat is missing");
            else if (!Stats.Known.Contains(rule.Stat))
                reasons.Add($"scoringRules[{i}].stat {Show.Quote(rule.Stat)} is not a known stat");
            else if (!firstIndex.TryAdd(rule.Stat, i))
                reasons.Add($"scoringRules[{i}].stat {Show.Quote(rule.Stat)} repeats scoringRules[{firstIndex[rule.Stat]}]");
            // Written as two comparisons: Math.Abs(long.MinValue) would throw.
            if (rule.PointsPerUnitMilli < -PointsPerUnitMilliAbsMax || rule.PointsPerUnitMilli > PointsPerUnitMilliAbsMax)
                reasons.Add($"scoringRules[{i}].pointsPerUnitMilli {Show.N(rule.PointsPerUnitMilli)} is outside ±{Show.N(PointsPerUnitMilliAbsMax)} thousandths of a point");
            if (rule.PointsPerUnitMilli != 0) anyScores = true;
        }
        // A contest in which every entry scores zero is decided by the tie rule alone.
        if (anyRule && !anyScores)
            reasons.Add("every scoringRules[].pointsPerUnitMilli is 0; at least one rule must score");
    }

    private static void LineupSize(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames, bool allGamesKnown, List<string> reasons)
    {
        if (def.Kind == ContestKinds.Fitness)
        {
            if (def.LineupSize != 0)
                reasons.Add($"lineupSize {Show.N(def.LineupSize)} must be 0 for a fitness challenge; players score their own stats");
            return;
        }
        if (def.Kind != ContestKinds.Fantasy) return;
        if (def.LineupSize is < FantasyLineupSizeMin or > FantasyLineupSizeMax)
        {
            reasons.Add($"lineupSize {Show.N(def.LineupSize)} is out of range; a fantasy lineup has {FantasyLineupSizeMin} to {FantasyLineupSizeMax} athletes");
            return;
        }
        if (!allGamesKnown) return;
        // Without enough athletes no lineup could ever be valid, and every paid entry would be refunded.
        var athletes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in def.GameIds) athletes.UnionWith(knownGames[id].AthleteIds);
        if (athletes.Count < def.LineupSize)
            reasons.Add($"lineupSize {Show.N(def.LineupSize)} is more than the {Show.N(athletes.Count)} athletes on the rosters of gameIds");
    }

    private static void PrizeTable(ContestDefined def, List<string> reasons)
    {
        var table = def.PrizeTable;
        if (table is null)
        {
            reasons.Add("prizeTable is missing");
            return;
        }
        if (table.Kind is null)
        {
            reasons.Add("prizeTable.kind is missing");
            return;
        }
        if (!PrizeTableKinds.All.Contains(table.Kind))
        {
            reasons.Add($"prizeTable.kind {Show.Quote(table.Kind)} is not one of {string.Join(", ", PrizeTableKinds.All.Order(StringComparer.Ordinal))}");
            return;
        }
        // A list the kind does not use is not ignored: it means the author expected it to count.
        if (table.Kind != PrizeTableKinds.CustomPercentages && table.PercentagesBp is { Count: > 0 })
            reasons.Add($"prizeTable.percentagesBp is given but kind '{table.Kind}' does not use it");
        if (table.Kind != PrizeTableKinds.Ranked && table.Places is { Count: > 0 })
            reasons.Add($"prizeTable.places is given but kind '{table.Kind}' does not use it");
        var listOk = table.Kind switch
        {
            PrizeTableKinds.CustomPercentages => Percentages(table.PercentagesBp, reasons),
            PrizeTableKinds.Ranked => Places(table.Places, reasons),
            _ => true,
        };
        if (!listOk) return;
        var maxEntriesValid = def.MaxEntries >= Math.Max(def.MinEntries, MinEntriesMin) && def.MaxEntries <= EntriesMax;
        if (PaidPlaces(table) is { } paid && maxEntriesValid && paid > def.MaxEntries)
            reasons.Add($"prizeTable pays {Show.N(paid)} places but maxEntries is {Show.N(def.MaxEntries)}");
    }

    /// <summary>False when the list is missing or too long to examine.</summary>
    private static bool Percentages(IReadOnlyList<int>? percentages, List<string> reasons)
    {
        if (percentages is null || percentages.Count == 0)
        {
            reasons.Add("prizeTable.percentagesBp is empty; custom_percentages lists the share of each paid place");
            return false;
        }
        // Each place gets at least 1 bp, so no valid list is longer than 10,000 places.
        if (percentages.Count > BasisPoints.Whole)
        {
            reasons.Add($"prizeTable.percentagesBp lists {Show.N(percentages.Count)} places; at most {Show.N(BasisPoints.Whole)} can each get 1 bp or more");
            return false;
        }
        long total = 0;
        for (var i = 0; i < percentages.Count; i++)
        {
            var p = percentages[i];
            total += p;
            if (p <= 0)
                reasons.Add($"prizeTable.percentagesBp[{i}] is {Show.N(p)} bp; every paid place gets more than 0");
            if (i > 0 && p > percentages[i - 1])
                reasons.Add($"prizeTable.percentagesBp[{i}] {Show.N(p)} bp is more than percentagesBp[{i - 1}] {Show.N(percentages[i - 1])} bp; a better place never gets less");
        }
        if (total != BasisPoints.Whole)
            reasons.Add($"prizeTable.percentagesBp totals {Show.N(total)} bp; it must total {Show.N(BasisPoints.Whole)}");
        return true;
    }

    /// <summary>False when the list is missing or too long to examine.</summary>
    private static bool Places(IReadOnlyList<PrizePlace?>? places, List<string> reasons)
    {
        if (places is null || places.Count == 0)
        {
            reasons.Add("prizeTable.places is empty; ranked lists place ranges and their shares");
            return false;
        }
        if (places.Count > PrizeTableRowsMax)
        {
            reasons.Add($"prizeTable.places lists {Show.N(places.Count)} rows; at most {Show.N(PrizeTableRowsMax)} are allowed");
            return false;
        }
        // Int128: (to - from + 1) × shareBp can reach 2^63 for one absurd row.
        Int128 total = 0;
        for (var i = 0; i < places.Count; i++)
        {
            var place = places[i];
            if (place is null)
            {
                reasons.Add($"prizeTable.places[{i}] is missing");
                continue;
            }
            var previous = i > 0 ? places[i - 1] : null;
            if (place.From > place.To)
                reasons.Add($"prizeTable.places[{i}] from {Show.N(place.From)} is after to {Show.N(place.To)}");
            if (i == 0 && place.From != 1)
                reasons.Add($"prizeTable.places[0] starts at place {Show.N(place.From)}; the table starts at place 1");
            if (previous is not null)
            {
                var expected = (long)previous.To + 1;
                if (place.From > expected)
                    reasons.Add(place.From == expected + 1
                        ? $"prizeTable.places[{i}] starts at place {Show.N(place.From)} but places[{i - 1}] ends at place {Show.N(previous.To)}; place {Show.N(expected)} is not covered"
                        : $"prizeTable.places[{i}] starts at place {Show.N(place.From)} but places[{i - 1}] ends at place {Show.N(previous.To)}; places {Show.N(expected)} to {Show.N(place.From - 1L)} are not covered");
                else if (place.From < expected)
                    reasons.Add($"prizeTable.places[{i}] starts at place {Show.N(place.From)}, overlapping places[{i - 1}] which ends at place {Show.N(previous.To)}");
            }
            if (place.ShareBp <= 0)
                reasons.Add($"prizeTable.places[{i}].shareBp is {Show.N(place.ShareBp)} bp; every paid place gets more than 0");
            if (previous is not null && place.ShareBp > previous.ShareBp)
                reasons.Add($"prizeTable.places[{i}].shareBp {Show.N(place.ShareBp)} bp is more than places[{i - 1}].shareBp {Show.N(previous.ShareBp)} bp; a better place never gets less");
            if (place.To >= place.From)
                total += ((Int128)place.To - place.From + 1) * place.ShareBp;
        }
        if (total != BasisPoints.Whole)
            reasons.Add($"prizeTable.places total {Show.N(total)} bp (each row's shareBp times its number of places); it must total {Show.N(BasisPoints.Whole)}");
        return true;
    }

    private static void Pool(PoolRule? pool, List<string> reasons)
    {
        if (pool is null)
        {
            reasons.Add("pool is missing");
            return;
        }
        switch (pool.Mode)
        {
            case PoolModes.Rake:
                if (pool.RakeBp is < 0 or > RakeBpMax)
                    reasons.Add($"pool.rakeBp {Show.N(pool.RakeBp)} bp is out of range; a rake pool takes 0 to {Show.N(RakeBpMax)} bp");
                if (pool.GuaranteedMinor != 0)
                    reasons.Add($"pool.guaranteedMinor {Show.N(pool.GuaranteedMinor)} must be 0 for a rake pool");
                break;
            case PoolModes.Guaranteed:
                if (pool.GuaranteedMinor is < GuaranteedPoolMinorMin or > GuaranteedPoolMinorMax)
                    reasons.Add($"pool.guaranteedMinor {Show.N(pool.GuaranteedMinor)} is out of range; it must be {Show.N(GuaranteedPoolMinorMin)} to {Show.N(GuaranteedPoolMinorMax)} minor units");
                if (pool.RakeBp != 0)
                    reasons.Add($"pool.rakeBp {Show.N(pool.RakeBp)} bp must be 0 for a guaranteed pool");
                break;
            case null:
                reasons.Add("pool.mode is missing");
                break;
            default:
                reasons.Add($"pool.mode {Show.Quote(pool.Mode)} is not '{PoolModes.Rake}' or '{PoolModes.Guaranteed}'");
                break;
        }
    }
}
