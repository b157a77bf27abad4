using System.Globalization;
using Dapper;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// Where a stat's time goes, read from the pipeline's own records after the scoring bench: when
/// the bench published it, when Ingestion's transaction that took it in began (its inbox row), and
/// when Scoring's transaction that applied the game fact began (Scoring's inbox row), which
/// includes the relay's sending it on <c>games</c> (the outbox keeps no time of sending, and reading
/// the topic beside the run would take a core's share from it); the rest, to the standings, is the
/// publisher's interval and the broker. A stage whose time grows through the run is the one that bounds
/// throughput; the transactions and their sizes say whether it is bound per transaction or per message.
/// </summary>
public static class ScoringStages
{
    public static async Task PrintAsync(string pg,
        IReadOnlyDictionary<(string Game, long Seq), DateTimeOffset> published,
        BenchReport report, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        // Tables filled in the last minute may have no statistics yet: without them the planner joins a hundred
        // thousand rows to each other one by one (minutes). The bench owns its database, so it may analyze them.
        await conn.ExecuteAsync(new CommandDefinition("ANALYZE ingestion.inbox, scoring.inbox",
            cancellationToken: ct));
        var rows = (await conn.QueryAsync<(string Id, DateTime Ingested, DateTime? Scored)>(new CommandDefinition("""
            SELECT i.message_id, i.processed_at, s.processed_at
            FROM ingestion.inbox i
            LEFT JOIN scoring.inbox s ON s.message_id = 'game:' || substr(i.message_id, 6)
            WHERE i.message_id LIKE 'feed:%'
            """, cancellationToken: ct))).ToList();
        var feed = new List<double>();
        var scoring = new List<double>();
        foreach (var (id, ingested, scored) in rows)
        {
            var parts = id.Split(':');
            if (!published.TryGetValue((parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture)), out var at))
                continue;
            feed.Add((new DateTimeOffset(ingested, TimeSpan.Zero) - at).TotalMilliseconds);
            if (scored is { } sc) scoring.Add((sc - ingested).TotalMilliseconds);
        }
        Console.WriteLine("where the time goes (p50 / p99 ms): "
            + $"published → Ingestion's transaction {Percentiles(feed)}; → relayed on games and Scoring's transaction "
            + Percentiles(scoring));
        report.Add("published → Ingestion tx (p50 / p99)", Percentiles(feed));
        report.Add("Ingestion tx → games sent → Scoring tx (p50 / p99)", Percentiles(scoring));
        foreach (var (schema, like) in new[] { ("ingestion", "feed:%"), ("scoring", "game:%") })
        {
            var (transactions, largest) = await conn.QueryFirstAsync<(long, long)>(new CommandDefinition($"""
                SELECT count(*), coalesce(max(n), 0) FROM (
                    SELECT count(*) AS n FROM {schema}.inbox WHERE message_id LIKE @like
                    GROUP BY consumer, processed_at) t
                """, new { like }, cancellationToken: ct));
            Console.WriteLine(
                $"{schema}: {rows.Count:N0} stats in {transactions:N0} transactions, at most {largest:N0} in one");
            report.Add($"{schema} transactions (largest)", $"{transactions:N0} ({largest:N0})");
        }
    }

    /// <summary>
    /// What the standings cost to publish: every contest's leaders, each publication a view produced straight to
    /// Kafka (as the watcher read them, from the warm-up on).
    /// </summary>
    public static void PrintStandings(long count, long bytes, double seconds, BenchReport report)
    {
        var perSecond = seconds > 0 ? count / seconds : 0;
        Console.WriteLine($"standings published: {count:N0} publications, {bytes / 1048576.0:N1} MiB "
            + $"({perSecond:N0}/s, {bytes / Math.Max(1, count):N0} bytes each)");
        report.Add("standings publications", $"{count:N0}, {bytes / 1048576.0:N1} MiB, {perSecond:N0}/s");
    }

    private static string Percentiles(List<double> values)
    {
        if (values.Count == 0) return "none";
        values.Sort();
        double At(double q) => values[Math.Min(values.Count - 1, (int)(q * values.Count))];
        return string.Create(CultureInfo.InvariantCulture, $"{At(0.50):F0} / {At(0.99):F0}");
    }
}
