namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// Who may do what in a worker's schema. The migrator (the role that runs the migrations)
/// owns the schema and everything in it; the worker's runtime role owns nothing and may read
/// and write its own schema's tables, never change or empty the append-only ones, and never
/// create anything; the read-only role (the console's and cpctl's) reads every schema and
/// writes nothing. The two are different roles: granting one read-only would take the other's
/// writes away.
/// </summary>
public sealed record SchemaGrants(string RuntimeRole, IReadOnlyList<string> AppendOnlyTables,
    string? ReadOnlyRole = DatabaseRoles.Reader)
{
    public IReadOnlyList<string> Roles =>
        [RuntimeRole, .. ReadOnlyRole is null ? Array.Empty<string>() : [ReadOnlyRole], .. TableReaders.Keys,
            .. TableInserters.Keys.Except(TableReaders.Keys)];

    /// <summary>
    /// Roles that may read some tables of the schema and nothing else (a read API reads three
    /// tables of the read model).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TableReaders { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Roles that may add rows to some tables of the schema and read them, and nothing else there (a read API adds
    /// requests the worker answers): no UPDATE or DELETE.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TableInserters { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Columns, by table, the read-only role may not read: what would let whoever holds the console's or cpctl's
    /// credential act as someone else (a live onboarding link onboards whoever opens it first). It reads every
    /// other column of those tables.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> HiddenFromReader { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();
}
