using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using static ContestPipeline.Contracts.Contests.ContestLimits;
using static ContestPipeline.Rules.IngestionLimits;
using ContestPipeline.Rules;

namespace ContestPipeline.Rules.Contests;

/// <summary>A game the feed has already scheduled: when it starts and who is on its roster.</summary>
/// <summary>
/// A game the feed has already scheduled: when it starts and who is on its roster; whether it
/// was cancelled, or postponed with no new start time (then <see cref="StartsAt"/> is the old one).
/// </summary>
public sealed record GameInfo(DateTimeOffset StartsAt, IReadOnlySet<string> AthleteIds, bool Cancelled = false,
    bool PostponedWithoutDate = false);

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
/// platformFeeBp, statCorrectionWindowMinutes, unfinishedGames, slateEndsAt). Within a list, elements are checked in
/// index order and each element's checks in the order the code lists them. Two checks that
/// span fields are reported with the later field: "lockAt is after game X starts" with each
/// game of gameIds, "the games' rosters are smaller than the lineup" with lineupSize, and a
/// fixed_amounts table against its pool (the mode, the guarantee its amounts must total) with pool.
/// A list longer than its bound is reported once, by its length, and its elements are not
/// examined: such a list can never be valid, and examining it would flood the reasons. Every
/// other check is one pass over its list, so the largest definition (a table of 10,000 rows
/// over 200,000 places) is validated in about a millisecond.
/// </remarks>
public static class ContestValidator
{
    /// <summary>
    /// Every reason <paramref name="def"/> cannot be scheduled at <paramref name="now"/>; empty when it can.
    /// A game in <paramref name="awaitedGames"/> that is not known yet is no reason: the checks
    /// that need it (its start against lockAt, its roster against lineupSize) wait for it, so
    /// empty then means the definition may wait for its games rather than be refused now.
    /// </summary>
    public static IReadOnlyList<string> Validate(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames,
        DateTimeOffset now,
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
            reasons.Add($"lockAt {Show.Time(def.LockAt)} is not after now ({Show.Time(now)}); a contest must take " +
                "entries before it locks");
        var allGamesKnown = Games(def, knownGames, awaitedGames, reasons);
        ScoringRules(def.ScoringRules, reasons);
        LineupSize(def, knownGames, allGamesKnown, reasons);
        var amountsTotal = PrizeTable(def, reasons);
        Pool(def, amountsTotal, reasons);
        if (def.PlatformFeeBp is < 0 or > PlatformFeeBpMax)
            reasons.Add($"platformFeeBp {Show.N(def.PlatformFeeBp)} bp is out of range; it must be 0 to " +
                $"{Show.N(PlatformFeeBpMax)} bp");
        if (def.StatCorrectionWindowMinutes is < 0 or > StatCorrectionWindowMinutesMax)
            reasons.Add($"statCorrectionWindowMinutes {Show.N(def.StatCorrectionWindowMinutes)} is out of range; it " +
                $"must be 0 to {Show.N(StatCorrectionWindowMinutesMax)} (7 days)");
        UnfinishedGames(def, knownGames, reasons);
        return reasons;
    }

    /// <summary>
    /// Between reasons when they travel as one line (a dead letter's dlq-reason, an alert's
    /// message). Not "; ": single reasons contain that.
    /// </summary>
    public const string ReasonSeparator = " | ";

    /// <summary>
    /// A definition can hold 10,000 prize table rows, each wrong in several ways: beyond this many reasons
    /// a line lists the first ones and says how many more there are (and stays well within the
    /// 4,000 characters a dead letter's reason may have).
    /// </summary>
    public const int ReasonsListedMax = 20;

    /// <summary>
    /// Every reason on one line, in order, for a dead letter or an alert (the first <see cref="ReasonsListedMax"/> of a
    /// longer list, then how many more).
    /// </summary>
    public static string Join(IReadOnlyList<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        return reasons.Count <= ReasonsListedMax
            ? string.Join(ReasonSeparator, reasons)
            : string.Join(ReasonSeparator, reasons.Take(ReasonsListedMax)) + ReasonSeparator
                + $"and {Show.N(reasons.Count - ReasonsListedMax)} more reasons";
    }

    /// <summary>How many places a table pays, or null when it cannot be told (unknown kind, missing list).</summary>
    public static int? PaidPlaces(PrizeTable table) => table.Kind switch
    {
        PrizeTableKinds.WinnerTakesAll => 1,
        PrizeTableKinds.TopThreeEqual or PrizeTableKinds.TopThreeWeighted => 3,
        PrizeTableKinds.CustomPercentages => table.PercentagesBp is { Count: > 0 } p ? p.Count : null,
        PrizeTableKinds.Ranked => table.Places?.Where(p => p is not null).Select(p => (int?)p.To).Max(),
        PrizeTableKinds.FixedAmounts => table.Amounts?.Where(a => a is not null).Select(a => (int?)a.To).Max(),
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
            reasons.Add($"contestId is {Show.N(id.Length)} characters; at most {Show.N(ContestIdLengthMax)} are " +
                "allowed");
        // Contest ids become parts of message ids, keys and refund ids, so they are kept to
        // characters that need no escaping anywhere.
        for (var i = 0; i < id.Length; i++)
        {
            if (IsIdChar(id[i])) continue;
            reasons.Add($"contestId {Show.Quote(id)} has {Show.Quote(id[i].ToString())} at index {i}; only A-Z, a-z, " +
                "0-9, '_', '.', ':' and '-' are allowed");
            break;
        }
    }

    /// <summary>
    /// A sponsor id names a ledger account (sponsor:&lt;id&gt;:funding): lower-case letters, digits, _ and -.
    /// </summary>
    private static void Sponsor(string sponsor, List<string> reasons)
    {
        if (sponsor.Length is 0 or > SponsorIdLengthMax)
            reasons.Add($"pool.sponsor is {Show.N(sponsor.Length)} characters; it must be 1 to " +
                $"{Show.N(SponsorIdLengthMax)}");
        var bad = sponsor.AsSpan().IndexOfAnyExcept(SponsorChars);
        if (bad >= 0)
            reasons.Add($"pool.sponsor {Show.Quote(sponsor)} has {Show.Quote(sponsor[bad].ToString())} at index " +
                $"{bad}; only a-z, 0-9, '_' and '-' are allowed");
    }

    private static readonly System.Buffers.SearchValues<char> SponsorChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");

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
            reasons.Add($"currency {Show.Quote(code)} is not supported; supported: " +
                $"{string.Join(", ", Currency.Supported.Order(StringComparer.Ordinal))}");
    }

    private static void Entries(ContestDefined def, List<string> reasons)
    {
        if (def.EntryFeeMinor == 0)
        {
            // Free to enter: nothing is paid in, so only a guarantee (the platform's or a sponsor's) makes prizes.
            if (def.Pool is not { Mode: PoolModes.Guaranteed })
                reasons.Add($"entryFeeMinor 0 (free to enter) needs a '{PoolModes.Guaranteed}' pool: nothing is " +
                    "paid in, so the platform or a sponsor funds the prizes");
        }
        else if (def.EntryFeeMinor is < EntryFeeMinorMin or > EntryFeeMinorMax)
            reasons.Add($"entryFeeMinor {Show.N(def.EntryFeeMinor)} is out of range; it must be 0 (free to enter, " +
                $"with a guaranteed pool) or {Show.N(EntryFeeMinorMin)} to {Show.N(EntryFeeMinorMax)} minor units");
        if (def.MinEntries < MinEntriesMin)
            reasons.Add($"minEntries {Show.N(def.MinEntries)} is less than {MinEntriesMin}; a contest needs someone " +
                "to beat");
        if (def.MaxEntries < def.MinEntries)
            reasons.Add($"maxEntries {Show.N(def.MaxEntries)} is less than minEntries {Show.N(def.MinEntries)}");
        else if (def.MaxEntries < MinEntriesMin)
            reasons.Add($"maxEntries {Show.N(def.MaxEntries)} is less than {MinEntriesMin}");
        if (def.MaxEntries > EntriesMax)
            reasons.Add($"maxEntries {Show.N(def.MaxEntries)} is more than {Show.N(EntriesMax)}");
        if (def.MaxEntriesPerPlayer < 1)
            reasons.Add($"maxEntriesPerPlayer {Show.N(def.MaxEntriesPerPlayer)} is less than 1");
        if (def.MaxEntriesPerPlayer > EntriesPerPlayerMax)
            reasons.Add($"maxEntriesPerPlayer {Show.N(def.MaxEntriesPerPlayer)} is more than " +
                $"{Show.N(EntriesPerPlayerMax)}");
        if (def.MaxEntriesPerPlayer > def.MaxEntries && def.MaxEntries >= 1)
            reasons.Add($"maxEntriesPerPlayer {Show.N(def.MaxEntriesPerPlayer)} is more than maxEntries " +
                $"{Show.N(def.MaxEntries)}");
    }

    /// <summary>True when gameIds is a valid list of distinct games that are all known.</summary>
    private static bool Games(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames,
        IReadOnlySet<string>? awaitedGames, List<string> reasons)
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
            if (game.Cancelled)
            {
                reasons.Add($"gameIds[{i}] {Show.Quote(id)} is cancelled; a contest cannot cover it");
                continue;
            }
            if (game.PostponedWithoutDate)
            {
                reasons.Add($"gameIds[{i}] {Show.Quote(id)} is postponed with no new start time; define the contest " +
                    "once the provider gives one");
                continue;
            }
            // Entries must close before any covered game starts, or a player could pick
            // athletes whose first stats are already known.
            if (def.LockAt > game.StartsAt)
                reasons.Add($"lockAt {Show.Time(def.LockAt)} is after game {id} starts at {Show.Time(game.StartsAt)}");
        }
        return ok;
    }

    /// <summary>
    /// The rule for games that do not finish, and the slate's end: after lockAt and every known
    /// covered game's scheduled start (a game due after it could never be final by it), and at
    /// most <see cref="UnfinishedGameRules.SlateLengthMax"/> after lockAt.
    /// </summary>
    private static void UnfinishedGames(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames,
        List<string> reasons)
    {
        if (def.UnfinishedGames is { } rule && !UnfinishedGameRules.All.Contains(rule))
            reasons.Add($"unfinishedGames {Show.Quote(rule)} is not '{UnfinishedGameRules.ScoreAsPlayed}' or " +
                $"'{UnfinishedGameRules.CancelAndRefund}'");
        if (def.SlateEndsAt is not { } end) return;
        if (end <= def.LockAt)
        {
            reasons.Add($"slateEndsAt {Show.Time(end)} is not after lockAt {Show.Time(def.LockAt)}");
            return;
        }
        if (end - def.LockAt > UnfinishedGameRules.SlateLengthMax)
            reasons.Add($"slateEndsAt {Show.Time(end)} is more than " +
                $"{Show.N((long)UnfinishedGameRules.SlateLengthMax.TotalDays)} days after lockAt " +
                $"{Show.Time(def.LockAt)}");
        foreach (var id in (def.GameIds ?? []).Where(g => g is not null).Distinct(StringComparer.Ordinal))
        {
            if (knownGames.TryGetValue(id, out var game) && game.StartsAt >= end)
                reasons.Add($"slateEndsAt {Show.Time(end)} is not after game {id} starts at " +
                    $"{Show.Time(game.StartsAt)}");
        }
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
            reasons.Add($"scoringRules lists {Show.N(rules.Count)} rules; at most {Show.N(ScoringRulesMax)} are " +
                "allowed");
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
                reasons.Add($"scoringRules[{i}].stat {Show.Quote(rule.Stat)} repeats " +
                    $"scoringRules[{firstIndex[rule.Stat]}]");
            // Written as two comparisons: Math.Abs(long.MinValue) would throw.
            if (rule.PointsPerUnitMilli < -PointsPerUnitMilliAbsMax
                || rule.PointsPerUnitMilli > PointsPerUnitMilliAbsMax)
                reasons.Add($"scoringRules[{i}].pointsPerUnitMilli {Show.N(rule.PointsPerUnitMilli)} is outside " +
                    $"±{Show.N(PointsPerUnitMilliAbsMax)} thousandths of a point");
            if (rule.PointsPerUnitMilli != 0) anyScores = true;
        }
        // A contest in which every entry scores zero is decided by the tie rule alone.
        if (anyRule && !anyScores)
            reasons.Add("every scoringRules[].pointsPerUnitMilli is 0; at least one rule must score");
    }

    private static void LineupSize(ContestDefined def, IReadOnlyDictionary<string, GameInfo> knownGames,
        bool allGamesKnown, List<string> reasons)
    {
        if (def.Kind == ContestKinds.Fitness)
        {
            if (def.LineupSize != 0)
                reasons.Add($"lineupSize {Show.N(def.LineupSize)} must be 0 for a fitness challenge; players score " +
                    "their own stats");
            return;
        }
        if (def.Kind != ContestKinds.Fantasy) return;
        if (def.LineupSize is < FantasyLineupSizeMin or > FantasyLineupSizeMax)
        {
            reasons.Add($"lineupSize {Show.N(def.LineupSize)} is out of range; a fantasy lineup has " +
                $"{FantasyLineupSizeMin} to {FantasyLineupSizeMax} athletes");
            return;
        }
        if (!allGamesKnown) return;
        // Without enough athletes no lineup could ever be valid, and every paid entry would be refunded.
        var athletes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in def.GameIds) athletes.UnionWith(knownGames[id].AthleteIds);
        if (athletes.Count < def.LineupSize)
            reasons.Add($"lineupSize {Show.N(def.LineupSize)} is more than the {Show.N(athletes.Count)} athletes on " +
                "the rosters of gameIds");
    }

    /// <summary>
    /// The total of a fixed_amounts table's rows, for the pool to be checked against; null when there is none to tell.
    /// </summary>
    private static Int128? PrizeTable(ContestDefined def, List<string> reasons)
    {
        var table = def.PrizeTable;
        if (table is null)
        {
            reasons.Add("prizeTable is missing");
            return null;
        }
        if (table.Kind is null)
        {
            reasons.Add("prizeTable.kind is missing");
            return null;
        }
        if (!PrizeTableKinds.All.Contains(table.Kind))
        {
            reasons.Add($"prizeTable.kind {Show.Quote(table.Kind)} is not one of " +
                $"{string.Join(", ", PrizeTableKinds.All.Order(StringComparer.Ordinal))}");
            return null;
        }
        // A list the kind does not use is not ignored: it means the author expected it to count.
        if (table.Kind != PrizeTableKinds.CustomPercentages && table.PercentagesBp is { Count: > 0 })
            reasons.Add($"prizeTable.percentagesBp is given but kind '{table.Kind}' does not use it");
        if (table.Kind != PrizeTableKinds.Ranked && table.Places is { Count: > 0 })
            reasons.Add($"prizeTable.places is given but kind '{table.Kind}' does not use it");
        if (table.Kind != PrizeTableKinds.FixedAmounts && table.Amounts is { Count: > 0 })
            reasons.Add($"prizeTable.amounts is given but kind '{table.Kind}' does not use it");
        Int128? amountsTotal = null;
        var listOk = table.Kind switch
        {
            PrizeTableKinds.CustomPercentages => Percentages(table.PercentagesBp, reasons),
            PrizeTableKinds.Ranked => Places(table.Places, reasons),
            PrizeTableKinds.FixedAmounts => Amounts(table.Amounts, reasons, out amountsTotal),
            _ => true,
        };
        if (!listOk) return null;
        if (PaidPlaces(table) is not { } paid) return amountsTotal;
        if (paid > PaidPlacesMax)
            reasons.Add($"prizeTable pays {Show.N(paid)} places; at most {Show.N(PaidPlacesMax)} are allowed");
        var maxEntriesValid = def.MaxEntries >= Math.Max(def.MinEntries, MinEntriesMin) && def.MaxEntries <= EntriesMax;
        if (maxEntriesValid && paid > def.MaxEntries)
            reasons.Add($"prizeTable pays {Show.N(paid)} places but maxEntries is {Show.N(def.MaxEntries)}");
        return amountsTotal;
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
            reasons.Add($"prizeTable.percentagesBp lists {Show.N(percentages.Count)} places; at most " +
                $"{Show.N(BasisPoints.Whole)} can each get 1 bp or more");
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
                reasons.Add($"prizeTable.percentagesBp[{i}] {Show.N(p)} bp is more than percentagesBp[{i - 1}] " +
                    $"{Show.N(percentages[i - 1])} bp; a better place never gets less");
        }
        if (total != BasisPoints.Whole)
            reasons.Add($"prizeTable.percentagesBp totals {Show.N(total)} bp; it must total " +
                $"{Show.N(BasisPoints.Whole)}");
        return true;
    }

    /// <summary>
    /// False when the list is missing or too long to examine. A table gives its shares in basis
    /// points (shareBp) or, when any row gives sharePpb, in parts per billion; then every row's
    /// shareBp must be 0, since a table mixing units has no total that means anything.
    /// </summary>
    private static bool Places(IReadOnlyList<PrizePlace?>? places, List<string> reasons)
    {
        if (places is null || places.Count == 0)
        {
            reasons.Add("prizeTable.places is empty; ranked lists place ranges and their shares");
            return false;
        }
        if (places.Count > PrizeTableRowsMax)
        {
            reasons.Add($"prizeTable.places lists {Show.N(places.Count)} rows; at most {Show.N(PrizeTableRowsMax)} " +
                "are allowed");
            return false;
        }
        var inPpb = false;
        foreach (var place in places) inPpb |= place is { SharePpb: not 0 };
        var (field, unit, whole) = inPpb ? ("sharePpb", "ppb", (long)PrizePlace.SharePpbWhole)
            : ("shareBp", "bp", BasisPoints.Whole);
        // Int128: (to - from + 1) × share can reach 2^63 for one absurd row.
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
            RowRange("places", i, place.From, place.To, previous is null ? null : previous.To, reasons);
            if (inPpb && place.ShareBp != 0)
                reasons.Add($"prizeTable.places[{i}].shareBp is {Show.N(place.ShareBp)} bp in a table of sharePpb " +
                    "rows; a table gives every share in one unit, with shareBp 0 beside sharePpb");
            var share = inPpb ? place.SharePpb : place.ShareBp;
            if (share <= 0)
                reasons.Add($"prizeTable.places[{i}].{field} is {Show.N(share)} {unit}; every paid place gets more " +
                    "than 0");
            if (previous is not null && share > (inPpb ? previous.SharePpb : previous.ShareBp))
                reasons.Add($"prizeTable.places[{i}].{field} {Show.N(share)} {unit} is more than " +
                    $"places[{i - 1}].{field} {Show.N(inPpb ? previous.SharePpb : previous.ShareBp)} {unit}; a " +
                    "better place never gets less");
            if (place.To >= place.From)
                total += ((Int128)place.To - place.From + 1) * share;
        }
        if (total != whole)
            reasons.Add($"prizeTable.places total {Show.N(total)} {unit} (each row's {field} times its number of " +
                $"places); it must total {Show.N(whole)}");
        return true;
    }

    /// <summary>
    /// False when the list is missing or too long to examine; otherwise <paramref name="total"/> is Σ places ×
    /// amountMinor.
    /// </summary>
    private static bool Amounts(IReadOnlyList<PrizeAmount?>? amounts, List<string> reasons, out Int128? total)
    {
        total = null;
        if (amounts is null || amounts.Count == 0)
        {
            reasons.Add("prizeTable.amounts is empty; fixed_amounts lists place ranges and the amount each of their " +
                "places receives");
            return false;
        }
        if (amounts.Count > PrizeTableRowsMax)
        {
            reasons.Add($"prizeTable.amounts lists {Show.N(amounts.Count)} rows; at most {Show.N(PrizeTableRowsMax)} " +
                "are allowed");
            return false;
        }
        Int128 sum = 0;
        for (var i = 0; i < amounts.Count; i++)
        {
            var row = amounts[i];
            if (row is null)
            {
                reasons.Add($"prizeTable.amounts[{i}] is missing");
                continue;
            }
            var previous = i > 0 ? amounts[i - 1] : null;
            RowRange("amounts", i, row.From, row.To, previous is null ? null : previous.To, reasons);
            if (row.AmountMinor <= 0)
                reasons.Add($"prizeTable.amounts[{i}].amountMinor is {Show.N(row.AmountMinor)}; every paid place " +
                    "gets more than 0");
            if (previous is not null && row.AmountMinor > previous.AmountMinor)
                reasons.Add($"prizeTable.amounts[{i}].amountMinor {Show.N(row.AmountMinor)} is more than " +
                    $"amounts[{i - 1}].amountMinor {Show.N(previous.AmountMinor)}; a better place never gets less");
            if (row.To >= row.From)
                sum += ((Int128)row.To - row.From + 1) * row.AmountMinor;
        }
        total = sum;
        return true;
    }

    /// <summary>
    /// A row's places: from ≤ to, the first row from place 1, each row right after the one before (no gap, no overlap).
    /// </summary>
    private static void RowRange(string list, int i, int from, int to, int? previousTo, List<string> reasons)
    {
        if (from > to)
            reasons.Add($"prizeTable.{list}[{i}] from {Show.N(from)} is after to {Show.N(to)}");
        if (i == 0 && from != 1)
            reasons.Add($"prizeTable.{list}[0] starts at place {Show.N(from)}; the table starts at place 1");
        if (previousTo is not { } end) return;
        var expected = (long)end + 1;
        if (from > expected)
            reasons.Add(from == expected + 1
                ? $"prizeTable.{list}[{i}] starts at place {Show.N(from)} but {list}[{i - 1}] ends at place " +
                    $"{Show.N(end)}; place {Show.N(expected)} is not covered"
                : $"prizeTable.{list}[{i}] starts at place {Show.N(from)} but {list}[{i - 1}] ends at place " +
                    $"{Show.N(end)}; places {Show.N(expected)} to {Show.N(from - 1L)} are not covered");
        else if (from < expected)
            reasons.Add($"prizeTable.{list}[{i}] starts at place {Show.N(from)}, overlapping {list}[{i - 1}] which " +
                $"ends at place {Show.N(end)}");
    }

    private static void Pool(ContestDefined def, Int128? amountsTotal, List<string> reasons)
    {
        var pool = def.Pool;
        if (pool is null)
        {
            reasons.Add("pool is missing");
            return;
        }
        switch (pool.Mode)
        {
            case PoolModes.Rake:
                if (pool.RakeBp is < 0 or > RakeBpMax)
                    reasons.Add($"pool.rakeBp {Show.N(pool.RakeBp)} bp is out of range; a rake pool takes 0 to " +
                        $"{Show.N(RakeBpMax)} bp");
                if (pool.GuaranteedMinor != 0)
                    reasons.Add($"pool.guaranteedMinor {Show.N(pool.GuaranteedMinor)} must be 0 for a rake pool");
                if (pool.Sponsor is not null)
                    reasons.Add($"pool.sponsor {Show.Quote(pool.Sponsor)} is only for a '{PoolModes.Guaranteed}' " +
                        "pool; a rake pool has no overlay for a sponsor to fund");
                // Fixed amounts are a promise of exact money, which only a guarantee can keep: a rake pool's size is
                // not known until the contest locks.
                if (def.PrizeTable?.Kind == PrizeTableKinds.FixedAmounts)
                    reasons.Add($"pool.mode '{PoolModes.Rake}' cannot pay a '{PrizeTableKinds.FixedAmounts}' " +
                        $"prizeTable; fixed amounts need a '{PoolModes.Guaranteed}' pool");
                break;
            case PoolModes.Guaranteed:
                if (pool.GuaranteedMinor is < GuaranteedPoolMinorMin or > GuaranteedPoolMinorMax)
                    reasons.Add($"pool.guaranteedMinor {Show.N(pool.GuaranteedMinor)} is out of range; it must be " +
                        $"{Show.N(GuaranteedPoolMinorMin)} to {Show.N(GuaranteedPoolMinorMax)} minor units");
                if (pool.RakeBp != 0)
                    reasons.Add($"pool.rakeBp {Show.N(pool.RakeBp)} bp must be 0 for a guaranteed pool");
                if (amountsTotal is { } total && total != pool.GuaranteedMinor)
                    reasons.Add($"pool.guaranteedMinor {Show.N(pool.GuaranteedMinor)} is not the {Show.N(total)} " +
                        "that prizeTable.amounts total (each row's amountMinor times its number of places); a " +
                        "fixed_amounts table pays exactly its guarantee");
                if (pool.Sponsor is not null) Sponsor(pool.Sponsor, reasons);
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
