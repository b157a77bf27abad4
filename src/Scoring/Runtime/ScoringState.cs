using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Domain;
using Dapper;
using Npgsql;

namespace ContestPipeline.Scoring.Runtime;

/// <summary>
/// The live boards of every contest not yet COMPLETE, mirroring what the database holds:
/// changed only after a transaction commits (HandlerContext.OnCommitted) and rebuilt from
/// the database when the worker starts. Standings are computed from memory because a
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

    public void ApplyStats(IReadOnlyList<(string GameId, string AthleteId, string Stat, long Value, long Sequence)> stats)
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

    /// <summary>Rebuilds every board from the database (worker start-up).</summary>
    public async Task LoadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var contests = await conn.QueryAsync<(string Definition, string State)>(
            "SELECT definition::text, state FROM scoring.contests WHERE state IN ('SCHEDULED', 'LOCKED', 'LIVE')");
        foreach (var (json, state) in contests)
        {
            var definition = JsonSerializer.Deserialize<ContestDefined>(json, OutgoingMessage.Json)!;
            ContestLifecycle.TryParse(state, out var s);
            AddContest(definition, s);
        }
        await using (var cmd = new NpgsqlCommand("""
            SELECT e.contest_id, e.entry_id, e.player_id, e.lineup FROM scoring.entries e
            JOIN scoring.contests c USING (contest_id) WHERE c.state IN ('SCHEDULED', 'LOCKED', 'LIVE')
            """, conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                AddEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<string[]>(3));
        }
        var stats = (await conn.QueryAsync<(string, string, string, long, long)>("""
            SELECT s.game_id, s.athlete_id, s.stat, s.value, s.sequence FROM scoring.stat_values s
            WHERE EXISTS (SELECT 1 FROM scoring.contest_games cg JOIN scoring.contests c USING (contest_id)
                          WHERE cg.game_id = s.game_id AND c.state IN ('SCHEDULED', 'LOCKED', 'LIVE'))
            ORDER BY s.game_id, s.athlete_id, s.stat
            """)).ToList();
        ApplyStats(stats);
    }
}
