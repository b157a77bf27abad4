using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Contests;
using ContestPipeline.Scoring.Stats;
using Dapper;
using Npgsql;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// Boards as the database has them: one contest's, rebuilt from what is committed for its result, and the live
/// boards of the contests an instance keeps, loaded from one snapshot.
/// </summary>
public static class BoardStore
{
    /// <summary>
    /// A contest's board as the database has it: its definition, entries and the latest value of every covered stat.
    /// </summary>
    public static async Task<ContestBoard> LoadBoardAsync(TransactionContext context, string contestId)
    {
        var json = await context.Connection.QueryFirstAsync<string>(
            "SELECT definition::text FROM scoring.contests WHERE contest_id = @contestId", new { contestId },
            context.Transaction);
        var board = new ContestBoard(JsonSerializer.Deserialize<ContestDefined>(json, OutgoingMessage.Json)!);
        await using (var cmd = new NpgsqlCommand(
            "SELECT entry_id, player_id, lineup FROM scoring.entries WHERE contest_id = @contestId", context.Connection,
            context.Transaction))
        {
            cmd.Parameters.AddWithValue("contestId", contestId);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                board.AddEntry(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null
                    : reader.GetFieldValue<string[]>(2));
        }
        // A game that came back into play after it stopped counting for the contest scores the values it had then.
        var stats = await context.Connection.QueryAsync<(string Game, string Athlete, string Stat, long Value)>("""
            SELECT s.game_id, s.athlete_id, s.stat, s.value FROM scoring.stat_values s
            JOIN scoring.contest_games cg ON cg.game_id = s.game_id AND cg.contest_id = @contestId
            WHERE NOT EXISTS (SELECT 1 FROM scoring.contest_game_freezes f WHERE f.contest_id = @contestId
                AND f.game_id = s.game_id AND f.snapshot)
            UNION ALL
            SELECT game_id, athlete_id, stat, value FROM scoring.frozen_stat_values WHERE contest_id = @contestId
            """, new { contestId }, context.Transaction);
        foreach (var (game, athlete, stat, value) in stats) board.ApplyStat(game, athlete, stat, value);
        return board;
    }

    /// <summary>
    /// Rebuilds in memory the live boards of the contests on <paramref name="partitions"/> of
    /// <c>contest.lifecycle</c> (when this instance is given them), or, with null, of the
    /// contests recorded before their partition was kept (at start-up, by every instance).
    /// </summary>
    public static async Task LoadLiveBoardsAsync(NpgsqlDataSource dataSource, LiveBoards boards,
        IReadOnlyCollection<int>? partitions, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // One snapshot: the contests, their entries and the stats of their games as of one moment.
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var mine = partitions is null ? "c.lifecycle_partition IS NULL" : "c.lifecycle_partition = ANY(@partitions)";
        var args = new { live = ContestStore.LiveStates, partitions = partitions?.ToArray() ?? [] };
        var contests = (await conn.QueryAsync<(string ContestId, string Definition, string State, int? Partition)>(
            "SELECT c.contest_id, c.definition::text, c.state, c.lifecycle_partition FROM scoring.contests c " +
            $"WHERE c.state = ANY(@live) AND {mine}", args, tx)).ToList();
        if (contests.Count == 0) return;
        var entries = new List<(string, string, string, string[]?)>();
        // A slate's millions of rows repeat a few hundred contest and athlete ids: the list keeps one copy of each.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Intern(string name) => names.TryGetValue(name, out var held) ? held : names[name] = name;
        await using (var cmd = new NpgsqlCommand($"""
            SELECT e.contest_id, e.entry_id, e.player_id, e.lineup FROM scoring.entries e
            JOIN scoring.contests c USING (contest_id) WHERE c.state = ANY(@live) AND {mine}
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("live", ContestStore.LiveStates);
            cmd.Parameters.AddWithValue("partitions", partitions?.ToArray() ?? []);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var lineup = reader.IsDBNull(3) ? null : reader.GetFieldValue<string[]>(3);
                for (var i = 0; lineup is not null && i < lineup.Length; i++) lineup[i] = Intern(lineup[i]);
                entries.Add((Intern(reader.GetString(0)), reader.GetString(1), reader.GetString(2), lineup));
            }
        }
        var stats = (await conn.QueryAsync<(string, string, string, long, long)>($"""
            SELECT s.game_id, s.athlete_id, s.stat, s.value, s.sequence FROM scoring.stat_values s
            WHERE EXISTS (SELECT 1 FROM scoring.contest_games cg JOIN scoring.contests c USING (contest_id)
                          WHERE cg.game_id = s.game_id AND c.state = ANY(@live) AND {mine})
            ORDER BY s.game_id, s.athlete_id, s.stat
            """, args, tx)).Select(r => new StatFact(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5)).ToList();
        // Added as one change: a board is never seen with part of its entries, or its entries without the stats.
        boards.Load([.. contests.Select(c => (JsonSerializer.Deserialize<ContestDefined>(c.Definition,
            OutgoingMessage.Json)!, ContestStore.Parse(c.ContestId, c.State), c.Partition))], entries, stats);
    }
}
