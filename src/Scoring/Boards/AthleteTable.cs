using System.Text;
using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// The latest stat values and the points of every athlete over one set of games under one set of
/// scoring rules, shared by the boards of every contest with those games and rules. A slate's
/// contests mostly have both in common, so a stat event updates one athlete's points once per
/// distinct scoring, not once per contest; each board then only marks its entry scores stale
/// when some of its entries picked the athlete. Pure and not thread-safe, like the boards.
/// </summary>
/// <remarks>
/// A stat changes nothing before every board sharing the table has proven that none of its
/// entries' scores would leave a long (<see cref="ContestBoard"/>): an overflow throws with
/// nothing written. Athletes are interned to dense indices in the order first seen, by a stat or
/// by any board's entry; the order never leaks out.
/// </remarks>
public sealed class AthleteTable
{
    private readonly ScoringRules _rules;
    private readonly Dictionary<string, int> _gameSlotById;
    private readonly string[] _gameIds;
    private readonly int _statSlots;
    private readonly List<ContestBoard> _boards = [];

    private readonly Dictionary<string, int> _athleteIndexById = new(StringComparer.Ordinal);
    private string[] _athleteIds = new string[64];
    private long[] _athletePointsMilli = new long[64];
    // Per athlete, the latest value per (game slot × stat slots + stat slot), allocated on its
    // first stat; presence is kept apart because zero is a value a feed may report.
    private long[]?[] _athleteValues = new long[]?[64];
    private bool[]?[] _athleteValuePresent = new bool[]?[64];

    /// <summary>The table for <paramref name="definition"/>'s games and rules.</summary>
    public AthleteTable(ContestDefined definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(definition.GameIds);
        ArgumentNullException.ThrowIfNull(definition.ScoringRules);
        _rules = new ScoringRules(definition.ScoringRules);
        _gameIds = [.. definition.GameIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _gameSlotById = new Dictionary<string, int>(_gameIds.Length, StringComparer.Ordinal);
        for (var slot = 0; slot < _gameIds.Length; slot++) _gameSlotById[_gameIds[slot]] = slot;
        _statSlots = _rules.SlotCount;
        Key = KeyOf(definition);
    }

    private AthleteTable(AthleteTable table)
    {
        (_rules, _gameSlotById, _gameIds, _statSlots, Key) =
            (table._rules, table._gameSlotById, table._gameIds, table._statSlots, table.Key);
        _athleteIndexById = new Dictionary<string, int>(table._athleteIndexById, StringComparer.Ordinal);
        _athleteIds = [.. table._athleteIds];
        _athletePointsMilli = [.. table._athletePointsMilli];
        _athleteValues = [.. table._athleteValues.Select(v => v?.ToArray())];
        _athleteValuePresent = [.. table._athleteValuePresent.Select(v => v?.ToArray())];
        AthleteCount = table.AthleteCount;
        PointsAbsBoundMilli = table.PointsAbsBoundMilli;
    }

    /// <summary>What contests must have in common to share a table: <see cref="KeyOf"/>.</summary>
    public string Key { get; }

    /// <summary>
    /// The covered games (distinct, ordinal order) and the compiled rules (<see cref="ScoringRules.Signature"/>),
    /// each length-prefixed so that no two different pairs give one key.
    /// </summary>
    public static string KeyOf(ContestDefined definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var key = new StringBuilder();
        foreach (var game in definition.GameIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            key.Append(game.Length).Append(':').Append(game);
        return key.Append('|').Append(new ScoringRules(definition.ScoringRules).Signature).ToString();
    }

    public ScoringRules Rules => _rules;

    /// <summary>The games covered, in ordinal order.</summary>
    public IReadOnlyList<string> GameIds => _gameIds;

    /// <summary>How many boards share the table.</summary>
    public int BoardCount => _boards.Count;

    internal int AthleteCount { get; private set; }

    /// <summary>Points per athlete index, in thousandths. The array is replaced as athletes are added.</summary>
    internal long[] PointsMilli => _athletePointsMilli;

    /// <summary>
    /// Never decreases: an upper bound on |points| of every athlete, which lets the common case prove that no entry
    /// sum can overflow without looking at the entries.
    /// </summary>
    internal Int128 PointsAbsBoundMilli { get; private set; }

    internal string AthleteId(int athlete) => _athleteIds[athlete];

    internal void Attach(ContestBoard board) => _boards.Add(board);

    /// <summary>A table of no board holding what this one holds now, for a board that leaves it.</summary>
    internal AthleteTable Copy() => new(this);

    internal void Detach(ContestBoard board) => _boards.Remove(board);

    /// <summary>An athlete's points over the covered games, in thousandths; zero for one never seen.</summary>
    public long AthletePointsMilli(string athleteId) =>
        _athleteIndexById.TryGetValue(athleteId, out var a) ? _athletePointsMilli[a] : 0;

    /// <summary>
    /// Records the latest cumulative value of an athlete's stat in a game (it replaces the previous value). A game
    /// not covered and a stat without a rule are ignored and not held. Returns whether any sharing board's entry
    /// scores may have changed.
    /// </summary>
    /// <exception cref="OverflowException">The athlete's points or some board's entry score would not fit in a long;
    /// nothing changed.</exception>
    public bool ApplyStat(string gameId, string athleteId, string stat, long value)
    {
        ArgumentNullException.ThrowIfNull(gameId);
        ArgumentNullException.ThrowIfNull(athleteId);
        ArgumentNullException.ThrowIfNull(stat);
        if (!_gameSlotById.TryGetValue(gameId, out var gameSlot)) return false;
        if (!_rules.TryGetSlot(stat, out var statSlot)) return false;

        var a = Intern(athleteId);
        var values = _athleteValues[a] ??= new long[_gameIds.Length * _statSlots];
        var present = _athleteValuePresent[a] ??= new bool[values.Length];
        var slot = gameSlot * _statSlots + statSlot;
        if (present[slot] && values[slot] == value) return false;

        // Everything that can throw happens before the first write.
        var oldPointsMilli = present[slot] ? _rules.PointsMilli(statSlot, values[slot]) : 0;
        var newPointsMilli = _rules.PointsMilli(statSlot, value);
        var current = _athletePointsMilli[a];
        var updated = (Int128)current - oldPointsMilli + newPointsMilli;
        if (updated < long.MinValue || updated > long.MaxValue)
            throw new OverflowException($"{Contests()}: athlete {athleteId} would have {updated} milli after " +
                $"{gameId}/{stat}={value}, which does not fit in a long");
        var updatedMilli = (long)updated;
        var moves = updatedMilli != current;
        if (moves)
            foreach (var board in _boards) board.EnsureEntryScoresFit(a, updatedMilli, gameId, stat, value);

        values[slot] = value;
        present[slot] = true;
        _athletePointsMilli[a] = updatedMilli;
        PointsAbsBoundMilli = Int128.Max(PointsAbsBoundMilli, Int128.Abs(updatedMilli));
        if (!moves) return false;
        var moved = false;
        foreach (var board in _boards) moved |= board.AthleteMoved(a);
        return moved;
    }

    /// <summary>Every stat value held, sorted by game, athlete and stat.</summary>
    public IReadOnlyList<StatValue> StatValues()
    {
        var list = new List<StatValue>();
        for (var a = 0; a < AthleteCount; a++)
        {
            var values = _athleteValues[a];
            var present = _athleteValuePresent[a];
            if (values is null || present is null) continue;
            for (var slot = 0; slot < values.Length; slot++)
            {
                if (!present[slot]) continue;
                list.Add(
                    new StatValue(_gameIds[slot / _statSlots], _athleteIds[a], _rules.Stats[slot % _statSlots],
                        values[slot]));
            }
        }
        list.Sort(StatValue.OrdinalOrder);
        return list.AsReadOnly();
    }

    internal int Intern(string athleteId)
    {
        if (_athleteIndexById.TryGetValue(athleteId, out var a)) return a;
        a = AthleteCount++;
        Grow(ref _athleteIds, AthleteCount);
        Grow(ref _athletePointsMilli, AthleteCount);
        Grow(ref _athleteValues, AthleteCount);
        Grow(ref _athleteValuePresent, AthleteCount);
        _athleteIds[a] = athleteId;
        _athleteIndexById[athleteId] = a;
        return a;
    }

    private string Contests() =>
        _boards.Count switch
        {
            0 => "no contest",
            1 => $"contest {_boards[0].ContestId}",
            _ => $"contests {string.Join(", ", _boards.Select(b => b.ContestId))}",
        };

    internal static void Grow<T>(ref T[] array, int needed)
    {
        if (array.Length >= needed) return;
        Array.Resize(ref array, Math.Max(needed, Math.Max(16, array.Length * 2)));
    }
}
