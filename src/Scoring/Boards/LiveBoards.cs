using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Scoring.Stats;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// The live boards of the contests this instance owns, mirroring what the database holds:
/// changed only after a transaction commits (HandlerContext.OnCommitted) and loaded from the
/// database for the partitions of <c>contest.lifecycle</c> this instance is given
/// (<see cref="BoardPartitions"/>). Standings are computed from memory because a
/// contest of 100,000 entries cannot be re-scored row by row on every stat.
/// </summary>
/// <remarks>
/// With several instances, a contest's board lives on the instance that consumes its
/// timeline's partition (its definition and entries arrive there, in order); game facts are
/// keyed by game, so an instance applies the stats it consumes itself at once and reads the
/// others' from the database (<see cref="SyncBoardsJob"/>). It keeps each stat's latest
/// value with its feed sequence, so a stat read late never overwrites a newer one, and a board
/// loaded later starts from every value held. Lifecycle states come from the database too:
/// the referee of any instance may move any contest.
/// </remarks>
public sealed class LiveBoards
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ContestRuntime> _contests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ContestRuntime>> _byGame = new(StringComparer.Ordinal);
    // The boards' athlete tables by key (AthleteTable.KeyOf), and those covering each game: a stat is applied once
    // per table, whatever the number of contests sharing it.
    private readonly Dictionary<string, AthleteTable> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<AthleteTable>> _tablesByGame = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _gameSequence = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Game, string Athlete, string Stat), (long Value, long Sequence)> _latest = [];
    /// <summary>
    /// Per covered game, the highest sequence <see cref="SyncBoardsJob"/> has read back, and since which coverage
    /// of the game.
    /// </summary>
    private readonly Dictionary<string, (long Through, long Generation)> _synced = new(StringComparer.Ordinal);
    private long _generation;
    /// <summary>
    /// Covered games whose values held may miss stats another instance committed, each with the mark it was set
    /// under: a game newly covered, or any game after this instance is given partitions of game facts (it consumes
    /// after what the previous owner committed, which may not have been read back yet). A board with such a game is
    /// not published: its content would not be the stats up to the sequences its asOf names. The next read-back
    /// that starts after the mark clears it.
    /// </summary>
    private readonly Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private long _mark;

    public sealed class ContestRuntime(ContestDefined definition, int? partition, AthleteTable athletes)
    {
        public ContestDefined Definition { get; } = definition;
        public ContestBoard Board { get; } = new(definition, athletes);
        /// <summary>
        /// The partition of <c>contest.lifecycle</c> the contest's timeline is on; null for a contest recorded before
        /// it was kept.
        /// </summary>
        public int? Partition { get; } = partition;
        public long PublishedVersion { get; set; } = -1;
        public ContestState State { get; set; } = ContestState.Scheduled;
    }

    /// <summary>Runs <paramref name="action"/> with exclusive access to the boards.</summary>
    public T Read<T>(Func<IReadOnlyDictionary<string, ContestRuntime>, T> action)
    {
        lock (_gate) return action(_contests);
    }

    /// <summary>A contest's board (once), with every stat value held for its games applied.</summary>
    public void AddContest(ContestDefined definition, ContestState state, int? partition = null)
    {
        lock (_gate) AddContestHeld(definition, state, partition);
    }

    private void AddContestHeld(ContestDefined definition, ContestState state, int? partition)
    {
        if (_contests.ContainsKey(definition.ContestId)) return;
        var key = AthleteTable.KeyOf(definition);
        var newTable = !_tables.TryGetValue(key, out var table);
        if (newTable)
        {
            _tables[key] = table = new AthleteTable(definition);
            foreach (var game in table.GameIds)
            {
                if (!_tablesByGame.TryGetValue(game, out var tables)) _tablesByGame[game] = tables = [];
                tables.Add(table);
            }
        }
        var runtime = new ContestRuntime(definition, partition, table!) { State = state };
        _contests.Add(definition.ContestId, runtime);
        foreach (var game in definition.GameIds)
        {
            if (!_byGame.TryGetValue(game, out var list)) _byGame[game] = list = [];
            // A game newly covered is read back from its first stat: values this instance
            // did not keep while no board covered it are in the database only.
            if (list.Count == 0)
            {
                _synced[game] = (0, ++_generation);
                _pending[game] = ++_mark;
            }
            list.Add(runtime);
        }
        // A table already shared holds every value of its games (they are applied to it as they come).
        if (!newTable) return;
        var games = definition.GameIds.ToHashSet(StringComparer.Ordinal);
        foreach (var ((game, athlete, stat), (value, _)) in _latest)
            if (games.Contains(game)) table!.ApplyStat(game, athlete, stat, value);
    }

    public void AddEntry(string contestId, string entryId, string playerId, IReadOnlyList<string>? lineup)
    {
        lock (_gate)
        {
            if (_contests.TryGetValue(contestId, out var c)) c.Board.AddEntry(entryId, playerId, lineup);
        }
    }

    /// <summary>
    /// Contests read from one database snapshot, with their entries and the stats of their games, added as one
    /// change: no reader sees a board without all its entries, or its entries without the stats.
    /// </summary>
    public void Load(IReadOnlyList<(ContestDefined Definition, ContestState State, int? Partition)> contests,
        IReadOnlyList<(string ContestId, string EntryId, string PlayerId, string[]? Lineup)> entries,
        IReadOnlyList<StatFact> stats)
    {
        lock (_gate)
        {
            foreach (var (definition, state, partition) in contests) AddContestHeld(definition, state, partition);
            foreach (var (contestId, entryId, playerId, lineup) in entries)
                if (_contests.TryGetValue(contestId, out var c)) c.Board.AddEntry(entryId, playerId, lineup);
            ApplyStats(stats);
        }
    }

    /// <summary>
    /// This instance was given partitions of game facts: it goes on from what their previous owner committed, so
    /// until the next read-back every covered game's values may miss some of it.
    /// </summary>
    public void GamesReassigned()
    {
        lock (_gate)
        {
            var mark = ++_mark;
            foreach (var game in _byGame.Keys) _pending[game] = mark;
        }
    }

    /// <summary>
    /// Whether the board holds exactly the stats up to the sequences <see cref="AsOf"/> names, so it may be
    /// published. Call under <see cref="Read{T}"/>.
    /// </summary>
    public bool IsCurrent(ContestDefined definition) => !definition.GameIds.Any(_pending.ContainsKey);

    /// <summary>
    /// Applies stats to the boards of their games, each only if its sequence is newer than the
    /// value held for that athlete and stat: the same stat read twice (consumed here, then read
    /// back from the database) or late is a no-op.
    /// </summary>
    public void ApplyStats(IReadOnlyList<StatFact> stats)
    {
        lock (_gate)
        {
            foreach (var s in stats)
            {
                var key = (s.GameId, s.AthleteId, s.Stat);
                if (_latest.TryGetValue(key, out var held) && held.Sequence >= s.Sequence) continue;
                _latest[key] = (s.Value, s.Sequence);
                if (s.Sequence > _gameSequence.GetValueOrDefault(s.GameId)) _gameSequence[s.GameId] = s.Sequence;
                // A completed or cancelled contest's board has left its table (Remove): its result stands.
                if (!_tablesByGame.TryGetValue(s.GameId, out var tables)) continue;
                foreach (var table in tables) table.ApplyStat(s.GameId, s.AthleteId, s.Stat, s.Value);
            }
        }
    }

    /// <summary>
    /// Per covered game, the highest fact sequence applied to the boards. Call under <see cref="Read{T}"/>.
    /// </summary>
    public IReadOnlyDictionary<string, long> AsOf(ContestDefined definition) =>
        definition.GameIds.Where(_gameSequence.ContainsKey)
            .ToDictionary(g => g, g => _gameSequence[g], StringComparer.Ordinal);

    /// <summary>
    /// The games of the boards held, each with the highest sequence read back so far: a game's
    /// stats are committed in sequence order (one consumer at a time holds its partition), so
    /// every stat not read back yet has a higher one.
    /// </summary>
    public SyncCursor GamesToSync()
    {
        lock (_gate)
        {
            var games = _synced.Keys.Order(StringComparer.Ordinal).ToArray();
            return new SyncCursor(games, [.. games.Select(g => _synced[g].Through)],
                [.. games.Select(g => _synced[g].Generation)], _mark);
        }
    }

    /// <summary>
    /// Applies what was read back after <paramref name="cursor"/>, and moves each game's cursor to the highest sequence
    /// read.
    /// </summary>
    public void ApplySynced(SyncCursor cursor, IReadOnlyList<StatFact> stats)
    {
        lock (_gate)
        {
            ApplyStats(stats);
            for (var i = 0; i < cursor.Games.Length; i++)
            {
                var game = cursor.Games[i];
                // A game dropped and covered again meanwhile starts over from its first stat.
                if (!_synced.TryGetValue(game, out var now) || now.Generation != cursor.Generations[i]) continue;
                // Read after the mark was set: everything committed before it is held now.
                if (_pending.TryGetValue(game, out var mark) && mark <= cursor.Mark) _pending.Remove(game);
                var through = stats.Where(s => s.GameId == game).Select(s => s.Sequence).DefaultIfEmpty(now.Through)
                    .Max();
                if (through > now.Through) _synced[game] = (through, now.Generation);
            }
        }
    }

    public string[] ContestIds()
    {
        lock (_gate) return [.. _contests.Keys];
    }

    public void SetState(string contestId, ContestState state)
    {
        lock (_gate)
        {
            if (!_contests.TryGetValue(contestId, out var c)) return;
            c.State = state;
            if (state is not (ContestState.Complete or ContestState.Cancelled)) return;
            // Done: nothing will read this board again, so it stops costing memory.
            Remove(c);
        }
    }

    /// <summary>
    /// Drops the boards of contests on partitions this instance no longer consumes: their new owner loads them.
    /// </summary>
    public void DropPartitions(IReadOnlyCollection<int> partitions)
    {
        lock (_gate)
        {
            foreach (var c in _contests.Values.Where(c => c.Partition is { } p && partitions.Contains(p)).ToList())
                Remove(c);
        }
    }

    private void Remove(ContestRuntime c)
    {
        _contests.Remove(c.Definition.ContestId);
        var table = c.Board.Athletes;
        // The last board keeps its table as it stands; one of several leaves with a copy.
        var last = table.BoardCount == 1;
        c.Board.LeaveTable();
        if (last)
        {
            _tables.Remove(table.Key);
            foreach (var game in table.GameIds)
            {
                var tables = _tablesByGame[game];
                tables.Remove(table);
                if (tables.Count == 0) _tablesByGame.Remove(game);
            }
        }
        foreach (var game in c.Definition.GameIds)
        {
            var boards = _byGame.GetValueOrDefault(game);
            boards?.Remove(c);
            if (boards is { Count: > 0 }) continue;
            // No board covers the game any more: its values are read again from the database if one ever does.
            _byGame.Remove(game);
            _synced.Remove(game);
            _pending.Remove(game);
            _gameSequence.Remove(game);
            foreach (var key in _latest.Keys.Where(k => k.Game == game).ToList()) _latest.Remove(key);
        }
    }
}
