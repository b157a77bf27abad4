using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// Hashes that let two runs of a contest be compared byte for byte: one over the final
/// standings, one over every input that produced them.
/// </summary>
/// <remarks>
/// <para>Both are the lower-case hex SHA-256 of a canonical text encoded as UTF-8 (no byte order
/// mark; a string that is not valid UTF-16 is refused rather than silently replaced). The text is
/// lines of fields separated by <c>|</c>, each line ending in <c>\n</c> (0x0A, also after the last
/// line). Numbers are written in decimal with a leading <c>-</c> when negative, no sign when not,
/// no leading zeros and no grouping. Text fields (ids, kind, stat names) are written as they are
/// except for four characters, replaced so that a field can never be mistaken for a separator:
/// <c>%</c> → <c>%25</c>, <c>|</c> → <c>%7C</c>, <c>\n</c> → <c>%0A</c>, <c>\r</c> → <c>%0D</c>
/// (ordinary ids contain none of them and are written unchanged).</para>
/// <para>"Ordinal" order means comparing strings by their UTF-16 code units, as .NET's
/// <c>string.CompareOrdinal</c> does; for ids made of characters in the Basic Multilingual Plane
/// (all of ASCII, for one) that is the same as comparing code points.</para>
/// </remarks>
public static class StandingsHasher
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true);

    /// <summary>
    /// The hash of standings rows, in the order given (callers pass all rows, best first). The
    /// canonical text has one line per row and nothing else:
    /// <code>
    /// {rank}|{entryId}|{playerId}|{scoreMilli}\n
    /// </code>
    /// For example the single row (1, "e1", "p1", 12500) is the text <c>"1|e1|p1|12500\n"</c>.
    /// No rows give the hash of the empty text.
    /// </summary>
    public static string StandingsHash(IEnumerable<StandingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var text = new CanonicalText();
        foreach (var row in rows)
        {
            text.Number(row.Rank).Field(row.EntryId).Field(row.PlayerId).Number(row.ScoreMilli).EndLine();
        }
        return text.Hash();
    }

    /// <summary>
    /// The hash of everything scoring reads. The canonical text, in this order:
    /// <code>
    /// inputs|1\n                                  (format version)
    /// contest|{contestId}|{kind}\n
    /// game|{gameId}\n                             one per distinct covered game id, ordinal order
    /// rule|{stat}|{pointsPerUnitMilli}\n          one per rule, by stat (ordinal), then points (numeric)
    /// entry|{entryId}|{playerId}|{n}|{athlete1}|...|{athleteN}\n   a lineup of n athletes in submitted order
    /// entry|{entryId}|{playerId}|self\n           no lineup: the player scores their own stats
    ///                                             entries by entry id (ordinal)
    /// stat|{gameId}|{athleteId}|{stat}|{value}\n  one per value used, by game id, then athlete id,
    ///                                             then stat (each ordinal)
    /// </code>
    /// A value is used when its game is covered, its stat has a rule and its athlete is scored by
    /// some entry (in a lineup, or the player of an entry without one). Values that are not used
    /// are left out, so passing every value persisted, or only the ones a board holds, gives the
    /// same hash. Only the definition fields that change scores are included: id, kind, games and
    /// rules (not fees, prizes or times).
    /// </summary>
    /// <exception cref="ArgumentException">Two entries share an id with different content, or two used values share a
    /// (game, athlete, stat) with different values.</exception>
    public static string InputsHash(ContestDefined definition, IEnumerable<ScoringEntry> entries,
        IEnumerable<StatValue> statValues)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(statValues);

        var games = definition.GameIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rules = definition.ScoringRules
            .OrderBy(r => r.Stat, StringComparer.Ordinal).ThenBy(r => r.PointsPerUnitMilli).ToList();

        var entriesById = new Dictionary<string, ScoringEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry);
            if (entriesById.TryGetValue(entry.EntryId, out var seen) && !seen.HasSameContentAs(entry))
                throw new ArgumentException($"entry {entry.EntryId} appears as {seen} and as {entry}", nameof(entries));
            entriesById[entry.EntryId] = entry;
        }
        var sortedEntries = entriesById.Values.ToArray();
        Array.Sort(sortedEntries.Select(e => e.EntryId).ToArray(), sortedEntries, StringComparer.Ordinal);

        var coveredGames = games.ToHashSet(StringComparer.Ordinal);
        var ruledStats = rules.Select(r => r.Stat).ToHashSet(StringComparer.Ordinal);
        var scoredAthletes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in sortedEntries) scoredAthletes.UnionWith(entry.ScoredAthletes);
        var used = new List<StatValue>();
        foreach (var value in statValues)
        {
            if (coveredGames.Contains(value.GameId) && ruledStats.Contains(value.Stat)
                && scoredAthletes.Contains(value.AthleteId))
                used.Add(value);
        }
        // Sorting by key then value puts repeats of one key side by side: equal ones are
        // written once, different ones mean the caller passed two "latest" values.
        used.Sort(StatValue.OrdinalOrder);

        using var text = new CanonicalText();
        text.Field("inputs").Number(1).EndLine();
        text.Field("contest").Field(definition.ContestId).Field(definition.Kind).EndLine();
        foreach (var game in games) text.Field("game").Field(game).EndLine();
        foreach (var rule in rules) text.Field("rule").Field(rule.Stat).Number(rule.PointsPerUnitMilli).EndLine();
        foreach (var entry in sortedEntries)
        {
            text.Field("entry").Field(entry.EntryId).Field(entry.PlayerId);
            if (entry.Lineup is null) text.Field("self");
            else
            {
                text.Number(entry.Lineup.Count);
                foreach (var athlete in entry.Lineup) text.Field(athlete);
            }
            text.EndLine();
        }
        for (var i = 0; i < used.Count; i++)
        {
            var value = used[i];
            if (i > 0 && SameKey(used[i - 1], value))
            {
                if (used[i - 1].Value == value.Value) continue;
                throw new ArgumentException($"{value.GameId}/{value.AthleteId}/{value.Stat} appears with values " +
                    $"{used[i - 1].Value} and {value.Value}", nameof(statValues));
            }
            text.Field("stat").Field(value.GameId).Field(value.AthleteId).Field(value.Stat).Number(value.Value)
                .EndLine();
        }
        return text.Hash();
    }

    private static bool SameKey(StatValue a, StatValue b) =>
        string.Equals(a.GameId, b.GameId, StringComparison.Ordinal)
        && string.Equals(a.AthleteId, b.AthleteId, StringComparison.Ordinal)
        && string.Equals(a.Stat, b.Stat, StringComparison.Ordinal);

    /// <summary>
    /// Builds the canonical text a line at a time and feeds it to SHA-256 in chunks, so that
    /// 100,000 rows never become one large string.
    /// </summary>
    private sealed class CanonicalText : IDisposable
    {
        private const int FlushAtChars = 32 * 1024;
        private static readonly SearchValues<char> Escaped = SearchValues.Create("%|\n\r");
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly StringBuilder _buffer = new();
        private bool _lineStarted;

        public CanonicalText Field(string? value)
        {
            ArgumentNullException.ThrowIfNull(value);
            Separator();
            if (value.AsSpan().IndexOfAny(Escaped) < 0)
            {
                _buffer.Append(value);
                return this;
            }
            foreach (var c in value)
            {
                switch (c)
                {
                    case '%': _buffer.Append("%25"); break;
                    case '|': _buffer.Append("%7C"); break;
                    case '\n': _buffer.Append("%0A"); break;
                    case '\r': _buffer.Append("%0D"); break;
                    default: _buffer.Append(c); break;
                }
            }
            return this;
        }

        public CanonicalText Number(long value)
        {
            Separator();
            Span<char> digits = stackalloc char[20];
            value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
            _buffer.Append(digits[..written]);
            return this;
        }

        public void EndLine()
        {
            _buffer.Append('\n');
            _lineStarted = false;
            // Flushing only at line ends keeps surrogate pairs whole.
            if (_buffer.Length >= FlushAtChars) Flush();
        }

        public string Hash()
        {
            Flush();
            return Convert.ToHexStringLower(_sha256.GetHashAndReset());
        }

        public void Dispose() => _sha256.Dispose();

        private void Separator()
        {
            if (_lineStarted) _buffer.Append('|');
            _lineStarted = true;
        }

        private void Flush()
        {
            if (_buffer.Length == 0) return;
            _sha256.AppendData(StrictUtf8.GetBytes(_buffer.ToString()));
            _buffer.Clear();
        }
    }
}
