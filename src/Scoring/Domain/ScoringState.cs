using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;

namespace ContestPipeline.Scoring.Domain;

/// <summary>
/// The live boards of every contest not yet COMPLETE, mirroring what the database holds:
/// changed only after a transaction commits (HandlerContext.OnCommitted) and rebuilt from
/// the database when the worker starts (ScoringStore.LoadLiveBoardsAsync). Standings are computed from memory because a
/// contest of 100,000 entries cannot be re-scored row by row on every stat.
/// </summary>
public sealed class ScoringState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ContestRuntime> _contests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ContestRuntime>> _byGame = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _gameSequence = new(StringComparer.Ordinal);

    public sealed class ContestRuntime(ContestDefined definition)
    {
        public ContestDefined Definition { get; } = definition;
        public ContestBoard Board { get; } = new(definition);
        public long PublishedVersion { get; set; } = -1;
        public ContestState State { get; set; } = ContestState.Scheduled;
    }

    /// <summary>Runs <paramref name="action"/> with exclusive access to the boards.</summary>
    public T Read<T>(Func<IReadOnlyDictionary<string, ContestRuntime>, T> action)
    {
        lock (_gate) return action(_contests);
    }

    public void AddContest(ContestDefined definition, ContestState state)
    {
        lock (_gate)
        {
            if (_contests.ContainsKey(definition.ContestId)) return;
            var runtime = new ContestRuntime(definition) { State = state };
            _contests.Add(definition.ContestId, runtime);
            foreach (var game in definition.GameIds)
            {
                if (!_byGame.TryGetValue(game, out var list)) _byGame[game] = list = [];
                list.Add(runtime);
            }
        }
    }

    public void AddEntry(string contestId, string entryId, string playerId, IReadOnlyList<string>? lineup)
    {
        lock (_gate)
        {
            if (_contests.TryGetValue(contestId, out var c)) c.Board.AddEntry(entryId, playerId, lineup);
        }
    }

    public void ApplyStats(IReadOnlyList<StatFact> stats)
    {
        lock (_gate)
        {
            foreach (var s in stats)
            {
                if (s.Sequence > _gameSequence.GetValueOrDefault(s.GameId)) _gameSequence[s.GameId] = s.Sequence;
                if (!_byGame.TryGetValue(s.GameId, out var contests)) continue;
                foreach (var c in contests)
                {
                    // A completed contest's result stands; its board is frozen.
                    if (c.State is ContestState.Complete or ContestState.Cancelled) continue;
                    c.Board.ApplyStat(s.GameId, s.AthleteId, s.Stat, s.Value);
                }
            }
        }
    }

    /// <summary>Per covered game, the highest fact sequence applied to the boards. Call under <see cref="Read{T}"/>.</summary>
    public IReadOnlyDictionary<string, long> AsOf(ContestDefined definition) =>
        definition.GameIds.Where(_gameSequence.ContainsKey).ToDictionary(g => g, g => _gameSequence[g], StringComparer.Ordinal);

    public void SetState(string contestId, ContestState state)
    {
        lock (_gate)
        {
            if (!_contests.TryGetValue(contestId, out var c)) return;
            c.State = state;
            if (state is not (ContestState.Complete or ContestState.Cancelled)) return;
            // Done: nothing will read this board again, so it stops costing memory.
            _contests.Remove(contestId);
            foreach (var game in c.Definition.GameIds) _byGame.GetValueOrDefault(game)?.Remove(c);
        }
    }
}

/// <summary>A stat's latest cumulative value for an athlete in a game, and the feed sequence that set it.</summary>
public readonly record struct StatFact(string GameId, string AthleteId, string Stat, long Value, long Sequence);
