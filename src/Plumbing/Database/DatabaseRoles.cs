namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// The pipeline's Postgres roles. Which process runs as which is the deployment's definition
/// (ContestPipeline.Deployment.Services); the roles are created from it (deploy/postgres/init-roles.sh
/// with compose, the development tool locally).
/// </summary>
public static class DatabaseRoles
{
    /// <summary>
    /// The operations read model's runtime role: it writes its own schema, <c>operations</c>, and
    /// reads no other.
    /// </summary>
    public const string Operations = "cp_operations";
    public const string Migrator = "cp_migrator";
    /// <summary>
    /// The platform's read API: reads a player's entries, payouts and their contests in the read
    /// model, nothing else.
    /// </summary>
    public const string PlayerApi = "cp_player_api";

    /// <summary>The console's and cpctl's read commands: reads every schema, writes nothing.</summary>
    public const string Reader = "cp_reader";

    /// <summary>The role a worker runs as: cp_ and its name (cp_ingestion, cp_settlement ...).</summary>
    public static string Runtime(string worker) => "cp_" + SqlNames.Identifier(worker);
}
