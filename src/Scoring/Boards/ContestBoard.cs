using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// The in-memory state of one contest: its entries, the latest stat values of the covered games,
/// and the standings they give. Pure, and not thread-safe (one consume loop owns a board,
/// so it takes no locks): the worker persists what it needs
/// (<see cref="Entries"/>, <see cref="StatValues"/>) and rebuilds a board after a restart by
/// adding the entries and applying the values again, in any order.
/// </summary>
/// <remarks>
/// <para>Scores are exact thousandths of a point. An athlete's contest points are the exact sum,
/// over the covered games and the stats with a rule, of the points for the latest cumulative
/// value; an entry's score is the exact sum of its athletes' points. Every one of these must
/// fit in a long: a stat or an entry that would break that throws <see cref="OverflowException"/>
/// before anything changes, so the board never holds a score it cannot report. Because sums
/// are exact (no partial sum can overflow in one order and not another), the standings and
/// hashes are a function of the final inputs only, not of the order they arrived in.</para>
/// <para>Why the layout: a stat event touches one athlete, and an athlete is picked by
/// thousands of entries. So an event updates one athlete total (O(rules for that stat)) in the
/// <see cref="AthleteTable"/>, once for every board sharing it, and marks the entry scores
/// stale; the scores are recomputed in one pass over the flat lineup array when standings are
/// next asked for (100,000 entries × 8 picks is about a millisecond),
/// and the leaders are chosen with a bounded heap rather than a full sort.</para>
/// </remarks>
public sealed class ContestBoard
{
    private AthleteTable _athletes;
    private readonly bool _isFitness;
    // How many lineup slots (or fitness entries) of this board point at each athlete of the table: zero (or past the
    // end) means no entry's score here depends on it.
    private int[] _athletePickCount = new int[64];

    // Entries, in the order added (only the hash and the standings order them).
    private readonly Dictionary<string, int> _entryIndexById = new(StringComparer.Ordinal);
    private readonly List<ScoringEntry> _entries = [];
    private string[] _entryIds = new string[64];
    private string[] _entryPlayerIds = new string[64];
    // Entry e picks _picks[_pickStart[e] .. _pickStart[e + 1]); a fitness entry picks its player.
    private int[] _picks = new int[512];
    private int[] _pickStart = new int[65];
    private int _lineupLengthMax;

    private long[] _entryScoreMilli = new long[64];
    private bool _entryScoresStale;

    // Reused between calls so that live standings do not allocate in proportion to entries.
    private int[] _leaderHeap = [];
    // How many of _leaderHeap's first entries are the last leaders chosen; per entry, the selection that seeded it.
    private int _leadersKept;
    private int[] _seededIn = [];
    private int _selection;
    private int[] _order = [];
    private readonly StandingOrder _standingOrder;
    private (long Version, int Count, IReadOnlyList<StandingRow> Rows)? _leadersCache;
    private (long Version, IReadOnlyList<StandingRow> Rows)? _finalCache;

    /// <summary>A board with its own <see cref="AthleteTable"/>.</summary>
    public ContestBoard(ContestDefined definition) : this(definition, null)
    {
    }

    /// <summary>
    /// A board sharing <paramref name="athletes"/> (made for a contest with the same games and rules) with other
    /// boards: a stat applied to the table, or through any of them, moves every one of them.
    /// </summary>
    public ContestBoard(ContestDefined definition, AthleteTable? athletes)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(definition.ContestId);
        ArgumentNullException.ThrowIfNull(definition.GameIds);
        ArgumentNullException.ThrowIfNull(definition.ScoringRules);
        _isFitness = definition.Kind switch
        {
            ContestKinds.Fitness => true,
            ContestKinds.Fantasy => false,
            _ =>
                throw new ArgumentException($"contest {definition.ContestId}: unknown kind '{definition.Kind}'",
                    nameof(definition)),
        };
        if (athletes is not null && athletes.Key != AthleteTable.KeyOf(definition))
            throw new ArgumentException($"contest {definition.ContestId}: its games and scoring rules are not those "
                + "of the athlete table given", nameof(athletes));

        Definition = definition;
        _athletes = athletes ?? new AthleteTable(definition);
        _athletes.Attach(this);
        _standingOrder = new StandingOrder(this);
    }

    public ContestDefined Definition { get; }

    public string ContestId => Definition.ContestId;

    public ScoringRules Rules => _athletes.Rules;

    /// <summary>
    /// The athletes' values and points this board reads, shared with the contests of the same games and rules.
    /// </summary>
    public AthleteTable Athletes => _athletes;

    public int EntryCount => _entries.Count;

    /// <summary>
    /// Counts the changes that moved standings: an entry added, or a stat that changed the
    /// points of an athlete some entry picked. Unchanged standings keep their version, so a
    /// publisher can skip them. It counts calls, so it is not part of any hash.
    /// </summary>
    public long Version { get; private set; }

    /// <summary>The entries, in the order they were added.</summary>
    public IReadOnlyList<ScoringEntry> Entries => _entries.AsReadOnly();

    /// <summary>
    /// Adds an entry. Returns true when added, false when the same entry (same id, player and
    /// lineup) was already there, which is how a redelivered entry looks.
    /// </summary>
    /// <exception cref="InvalidOperationException">An entry with this id exists with other content.</exception>
    /// <exception cref="ArgumentException">A lineup on a fitness contest, or none on a fantasy contest.</exception>
    /// <exception cref="OverflowException">The entry's score from the stats already held would not fit in a
    /// long.</exception>
    public bool AddEntry(string entryId, string playerId, IReadOnlyList<string>? lineup)
    {
        var entry = new ScoringEntry(entryId, playerId, lineup);
        if (_entryIndexById.TryGetValue(entryId, out var existing))
        {
            if (_entries[existing].HasSameContentAs(entry)) return false;
            throw new InvalidOperationException(
                $"contest {ContestId}: entry {entryId} already exists as {_entries[existing]}, not {entry}");
        }
        if (_isFitness && lineup is not null)
            throw new ArgumentException($"contest {ContestId} is a fitness challenge: entry {entryId} must not have " +
                "a lineup", nameof(lineup));
        if (!_isFitness && lineup is null)
            throw new ArgumentException($"contest {ContestId} is a fantasy contest: entry {entryId} needs a lineup",
                nameof(lineup));

        var athletes = entry.ScoredAthletes;
        // Checked before the entry exists. Interning its athletes first is harmless: an interned
        // athlete nobody picks changes no score and no hash.
        Int128 score = 0;
        var indices = new int[athletes.Count];
        for (var i = 0; i < indices.Length; i++)
        {
            indices[i] = _athletes.Intern(athletes[i]);
            score += _athletes.PointsMilli[indices[i]];
        }
        if (score < long.MinValue || score > long.MaxValue)
            throw new OverflowException($"contest {ContestId}: entry {entryId} would score {score} milli, which does " +
                "not fit in a long");

        var e = _entries.Count;
        EnsureCapacity(ref _entryIds, e + 1);
        EnsureCapacity(ref _entryPlayerIds, e + 1);
        EnsureCapacity(ref _entryScoreMilli, e + 1);
        EnsureCapacity(ref _pickStart, e + 2);
        var start = _pickStart[e];
        EnsureCapacity(ref _picks, start + indices.Length);
        EnsureCapacity(ref _athletePickCount, _athletes.AthleteCount);
        for (var i = 0; i < indices.Length; i++)
        {
            _picks[start + i] = indices[i];
            _athletePickCount[indices[i]]++;
        }
        _pickStart[e + 1] = start + indices.Length;
        _lineupLengthMax = Math.Max(_lineupLengthMax, indices.Length);
        // The entry keeps the board's one copy of each athlete id: a slate's millions of lineups name a few hundred
        // athletes, and a lineup read from a message or a row brings its own copy of each name.
        if (!_isFitness)
            entry = new ScoringEntry(entry.EntryId, entry.PlayerId, [.. indices.Select(_athletes.AthleteId)]);
        _entryIds[e] = entry.EntryId;
        _entryPlayerIds[e] = entry.PlayerId;
        _entryIndexById[entry.EntryId] = e;
        _entries.Add(entry);

        _entryScoresStale = true;
        Version++;
        return true;
    }

    /// <summary>
    /// Records the latest cumulative value of an athlete's stat in a game in the board's <see cref="Athletes"/> (it
    /// replaces the previous value; it is not added to it), and so in every board sharing them. A game the contest
    /// does not cover and a stat without a rule are ignored and not held. Returns whether any entry's score may have
    /// changed, here or on a board sharing the table: false for an ignored stat, an unchanged value, a change worth
    /// no points, or an athlete nobody picked (whose value is still held, for entries added later).
    /// </summary>
    /// <exception cref="OverflowException">The athlete's points or an entry's score would not fit in a long; nothing
    /// changed.</exception>
    public bool ApplyStat(string gameId, string athleteId, string stat, long value) =>
        _athletes.ApplyStat(gameId, athleteId, stat, value);

    /// <summary>An athlete's points over the covered games, in thousandths; zero for one never seen.</summary>
    public long AthletePointsMilli(string athleteId) => _athletes.AthletePointsMilli(athleteId);

    /// <summary>An entry's score in thousandths.</summary>
    /// <exception cref="KeyNotFoundException">No entry has this id.</exception>
    public long EntryScoreMilli(string entryId)
    {
        if (!_entryIndexById.TryGetValue(entryId, out var e))
            throw new KeyNotFoundException($"contest {ContestId}: no entry {entryId}");
        RefreshEntryScores();
        return _entryScoreMilli[e];
    }

    /// <summary>
    /// Every stat value held (covered games, stats with a rule), sorted by game, athlete and
    /// stat. Applying them to a fresh board with the same entries gives the same standings.
    /// </summary>
    public IReadOnlyList<StatValue> StatValues() => _athletes.StatValues();

    /// <summary>
    /// The best <paramref name="count"/> rows (fewer if there are fewer entries), with their true
    /// ranks: a tie that straddles the cut keeps its shared rank and shows the entries with the
    /// lowest ids. Chosen with a heap of size <paramref name="count"/>, not a sort of every entry.
    /// </summary>
    public IReadOnlyList<StandingRow> Leaders(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var k = Math.Min(count, EntryCount);
        if (_leadersCache is { } cached && cached.Version == Version && cached.Count == k) return cached.Rows;

        EnsureCapacity(ref _leaderHeap, k);
        EnsureCapacity(ref _seededIn, EntryCount);
        if (++_selection == int.MaxValue) (_selection, _seededIn) = (1, new int[_seededIn.Length]);
        var (heap, scores, ids) = (_leaderHeap, _entryScoreMilli, _entryIds);
        var (seededIn, selection) = (_seededIn, _selection);
        var (stale, wide, points) = (_entryScoresStale, !BoundFits(), _athletes.PointsMilli);
        // The last leaders go into the heap first (entries are never removed, so their indices still hold):
        // standings move little between publications, so the worst kept starts high and few entries displace it.
        var size = 0;
        for (var seeded = Math.Min(_leadersKept, k); size < seeded; size++)
        {
            var e = heap[size];
            if (stale) scores[e] = ScoreOf(e, points, wide);
            seededIn[e] = selection;
            SiftUp(heap, size);
        }
        var worst = size > 0 ? scores[heap[0]] : 0L;
        // One pass over the rest: a stale score is summed again and, in the same step, compared with the worst of
        // the best k kept so far (the heap's root), so most entries cost their sum and one comparison.
        for (var e = 0; e < EntryCount; e++)
        {
            if (seededIn[e] == selection) continue;
            var score = stale ? scores[e] = ScoreOf(e, points, wide) : scores[e];
            if (size < k)
            {
                heap[size] = e;
                SiftUp(heap, size++);
                worst = scores[heap[0]];
            }
            else if (k > 0 && (score > worst || (score == worst && string.CompareOrdinal(ids[e], ids[heap[0]]) < 0)))
            {
                heap[0] = e;
                SiftDown(heap, size);
                worst = scores[heap[0]];
            }
        }
        _entryScoresStale = false;
        _leadersKept = k;
        Array.Sort(heap, 0, k, _standingOrder);
        var rows = BuildRows(heap, k);
        _leadersCache = (Version, k, rows);
        return rows;
    }

    /// <summary>Every entry's row, best first (score descending, then entry id by ordinal comparison).</summary>
    public IReadOnlyList<StandingRow> FinalStandings()
    {
        if (_finalCache is { } cached && cached.Version == Version) return cached.Rows;
        RefreshEntryScores();
        var n = EntryCount;
        EnsureCapacity(ref _order, n);
        for (var e = 0; e < n; e++) _order[e] = e;
        // The order is total (entry ids are unique), so an unstable sort still has one answer.
        Array.Sort(_order, 0, n, _standingOrder);
        var rows = BuildRows(_order, n);
        _finalCache = (Version, rows);
        return rows;
    }

    /// <summary>The hash of <see cref="FinalStandings"/>: see <see cref="StandingsHasher.StandingsHash"/>.</summary>
    public string StandingsHash() => StandingsHasher.StandingsHash(FinalStandings());

    /// <summary>The hash of this contest's inputs: see <see cref="StandingsHasher.InputsHash"/>.</summary>
    public string InputsHash() => StandingsHasher.InputsHash(Definition, _entries, StatValues());

    /// <summary>
    /// Throws if giving athlete <paramref name="athlete"/> <paramref name="pointsMilli"/> would
    /// push some entry's score out of a long. Usually proven at once: no entry here picked the
    /// athlete, or a bound (|points| of any athlete × longest lineup) fits; otherwise the entries
    /// are summed exactly. Called by the table before it writes.
    /// </summary>
    internal void EnsureEntryScoresFit(int athlete, long pointsMilli, string gameId, string stat, long value)
    {
        if (!Picks(athlete)) return;
        var bound = Int128.Max(_athletes.PointsAbsBoundMilli, Int128.Abs(pointsMilli)) * _lineupLengthMax;
        if (bound <= long.MaxValue) return;

        for (var e = 0; e < EntryCount; e++)
        {
            var picksAthlete = false;
            Int128 score = 0;
            for (var p = _pickStart[e]; p < _pickStart[e + 1]; p++)
            {
                var picked = _picks[p];
                picksAthlete |= picked == athlete;
                score += picked == athlete ? pointsMilli : _athletes.PointsMilli[picked];
            }
            if (picksAthlete && (score < long.MinValue || score > long.MaxValue))
                throw new OverflowException($"contest {ContestId}: entry {_entryIds[e]} would score {score} milli " +
                    $"after {gameId}/{_athletes.AthleteId(athlete)}/{stat}={value}, which does not fit in a long");
        }
    }

    /// <summary>
    /// The table changed <paramref name="athlete"/>'s points: the entry scores are stale if an entry here picked
    /// them. Returns whether it did.
    /// </summary>
    internal bool AthleteMoved(int athlete)
    {
        if (!Picks(athlete)) return false;
        _entryScoresStale = true;
        Version++;
        return true;
    }

    /// <summary>
    /// Leaves a shared table for a copy of it as it stands (a contest whose result stands): nothing applied to the
    /// table afterwards reaches this board.
    /// </summary>
    public void LeaveTable()
    {
        if (_athletes.BoardCount == 1) return;
        var own = _athletes.Copy();
        _athletes.Detach(this);
        own.Attach(this);
        _athletes = own;
    }

    /// <summary>
    /// The board's pick counts may be shorter than the table's athletes: athletes added since pick nothing here.
    /// </summary>
    private bool Picks(int athlete) => athlete < _athletePickCount.Length && _athletePickCount[athlete] > 0;

    private void RefreshEntryScores()
    {
        if (!_entryScoresStale) return;
        var (points, wide) = (_athletes.PointsMilli, !BoundFits());
        for (var e = 0; e < EntryCount; e++) _entryScoreMilli[e] = ScoreOf(e, points, wide);
        _entryScoresStale = false;
    }

    /// <summary>
    /// Every entry sum was proven to fit when its inputs changed; when the bound also holds, no partial sum can
    /// overflow either, so 64-bit adds suffice.
    /// </summary>
    private bool BoundFits() => _athletes.PointsAbsBoundMilli * _lineupLengthMax <= long.MaxValue;

    /// <summary>Entry <paramref name="e"/>'s score from <paramref name="points"/>, in 128 bits when <paramref
    /// name="wide"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long ScoreOf(int e, long[] points, bool wide)
    {
        var (picks, from, to) = (_picks, _pickStart[e], _pickStart[e + 1]);
        if (!wide)
        {
            long sum = 0;
            for (var p = from; p < to; p++) sum = checked(sum + points[picks[p]]);
            return sum;
        }
        Int128 wideSum = 0;
        for (var p = from; p < to; p++) wideSum += points[picks[p]];
        return checked((long)wideSum);
    }

    /// <summary>Standings order: higher score first, then lower entry id by ordinal comparison.</summary>
    private bool Precedes(int a, int b)
    {
        var sa = _entryScoreMilli[a];
        var sb = _entryScoreMilli[b];
        if (sa != sb) return sa > sb;
        return string.CompareOrdinal(_entryIds[a], _entryIds[b]) < 0;
    }

    // A heap whose root is the entry that comes last in standings order among those kept.
    private void SiftUp(int[] heap, int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Precedes(heap[parent], heap[i])) return;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    private void SiftDown(int[] heap, int size)
    {
        var i = 0;
        while (true)
        {
            var last = i;
            var left = 2 * i + 1;
            var right = left + 1;
            if (left < size && Precedes(heap[last], heap[left])) last = left;
            if (right < size && Precedes(heap[last], heap[right])) last = right;
            if (last == i) return;
            (heap[last], heap[i]) = (heap[i], heap[last]);
            i = last;
        }
    }

    /// <summary>
    /// Rows for entries already in standings order. A row's rank is one more than the number of
    /// entries scoring strictly more, and all of those come before it, so ranks computed over a
    /// prefix are the true ranks.
    /// </summary>
    private ReadOnlyCollection<StandingRow> BuildRows(int[] order, int count)
    {
        var rows = new StandingRow[count];
        var rank = 0;
        for (var i = 0; i < count; i++)
        {
            var e = order[i];
            var score = _entryScoreMilli[e];
            if (i == 0 || score != rows[i - 1].ScoreMilli) rank = i + 1;
            rows[i] = new StandingRow(rank, _entryIds[e], _entryPlayerIds[e], score);
        }
        return Array.AsReadOnly(rows);
    }

    private static void EnsureCapacity<T>(ref T[] array, int needed)
    {
        if (array.Length >= needed) return;
        Array.Resize(ref array, Math.Max(needed, Math.Max(16, array.Length * 2)));
    }

    private sealed class StandingOrder(ContestBoard board) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            if (a == b) return 0;
            return board.Precedes(a, b) ? -1 : 1;
        }
    }
}
