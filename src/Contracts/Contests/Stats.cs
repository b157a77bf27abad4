namespace ContestPipeline.Contracts.Contests;

/// <summary>
/// The stats the provider reports and scoring rules may name. A rule naming anything else
/// is rejected at the edge rather than scoring zero forever.
/// </summary>
public static class Stats
{
    public static IReadOnlySet<string> Known { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        // American football
        "passing_yards", "passing_touchdowns", "interceptions", "rushing_yards", "rushing_touchdowns",
        "receptions", "receiving_yards", "receiving_touchdowns", "fumbles_lost",
        // Basketball
        "points", "rebounds", "assists", "steals", "blocks", "turnovers", "three_pointers_made",
        // Fitness challenges
        "steps", "distance_m", "active_minutes", "calories",
    };

    /// <summary>The largest cumulative value a single stat may report; above it the event is absurd.</summary>
    public const long ValueMax = 10_000_000;
}
