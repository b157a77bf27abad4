namespace ContestPipeline.Deployment;

/// <summary>
/// PostgreSQL settings the pipeline's database runs with beyond the defaults, in one place: the
/// compose file's postgres service starts with them (<c>-c name=value</c>) and build/postgres.sh
/// sets the same ones on the local cluster (ALTER SYSTEM, then a reload); a test compares the two.
/// Each takes effect on a reload, so a running cluster picks them up without a restart.
/// </summary>
public static class PostgresSettings
{
    /// <summary>
    /// Settling a million entries writes about 1.5 GB of WAL in 20-30 s. With the default
    /// max_wal_size (1 GB) a checkpoint was forced every 20 s of it ("checkpoints are occurring
    /// too frequently"), and each one made the next write of every page a full-page image.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Value)> All =
    [
        ("max_wal_size", "4GB"),
        ("checkpoint_timeout", "15min"),
        // Full-page images compressed: a fraction of their 8 kB in the WAL after each checkpoint.
        ("wal_compression", "lz4"),
    ];
}
