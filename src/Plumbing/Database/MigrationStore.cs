using System.Text;
using Dapper;
using Npgsql;

namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// The SQL of <see cref="Migrator"/>: its lock, the ledger of applied scripts (<c>schema_migrations</c>),
/// running a script, and the schema's privileges. The migrator decides what to run and in which order;
/// this says how, on the connection and in the transaction it is given.
/// </summary>
internal sealed class MigrationStore(string schema)
{
    private readonly string _schema = SqlNames.Identifier(schema);

    /// <summary>Waits for every other migrator of the schema (<see cref="Migrator.LockKey"/>).</summary>
    public Task LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx) =>
        conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = Migrator.LockKey(_schema) }, tx);

    /// <summary>The schema and its ledger of applied scripts, made when missing.</summary>
    public Task CreateLedgerAsync(NpgsqlConnection conn, NpgsqlTransaction tx) =>
        conn.ExecuteAsync($"""
            CREATE SCHEMA IF NOT EXISTS {_schema};
            CREATE TABLE IF NOT EXISTS {_schema}.schema_migrations (
                id         text PRIMARY KEY,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, transaction: tx);

    /// <summary>Each applied script's id and checksum.</summary>
    public async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection conn, NpgsqlTransaction? tx) =>
        (await conn.QueryAsync<(string Id, string Checksum)>(
            $"SELECT id, checksum FROM {_schema}.schema_migrations", transaction: tx))
        .ToDictionary(r => r.Id, r => r.Checksum);

    /// <summary>Whether the ledger exists at all (a schema never migrated has none).</summary>
    public Task<bool> LedgerExistsAsync(NpgsqlConnection conn) =>
        conn.ExecuteScalarAsync<bool>("SELECT to_regclass(@t) IS NOT NULL",
            new { t = _schema + ".schema_migrations" });

    /// <summary>Runs one script in the schema and records it in the ledger.</summary>
    public async Task RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Migration m)
    {
        await conn.ExecuteAsync($"SET LOCAL search_path TO {_schema}", transaction: tx);
        await conn.ExecuteAsync(m.Sql, transaction: tx);
        await conn.ExecuteAsync(
            $"INSERT INTO {_schema}.schema_migrations (id, checksum) VALUES (@Id, @Checksum)", m, tx);
    }

    /// <summary>Which of <paramref name="roles"/> the cluster does not have.</summary>
    public async Task<List<string>> MissingRolesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string[] roles) =>
        roles.Except(await conn.QueryAsync<string>(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(@roles)", new { roles }, tx)).ToList();

    /// <summary>Grants keeping <paramref name="hidden"/> columns of a table from <paramref name="reader"/>.</summary>
    private async Task<string> HideAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string reader, string table,
        IReadOnlyList<string> hidden)
    {
        var columns = (await conn.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = @schema " +
            "AND table_name = @table ORDER BY ordinal_position", new { schema = _schema, table }, tx)).ToList();
        if (hidden.Except(columns).ToList() is { Count: > 0 } unknown)
            throw new InvalidOperationException(
                $"schema {_schema}: table {table} has no column(s) {string.Join(", ", unknown)} to hide from {reader}");
        var t = $"{_schema}.{SqlNames.Identifier(table)}";
        var shown = string.Join(", ", columns.Except(hidden).Select(SqlNames.Identifier));
        return $"REVOKE SELECT ON {t} FROM {reader};\nGRANT SELECT ({shown}) ON {t} TO {reader};\n";
    }

    /// <summary>Sets the schema's privileges afresh (<see cref="Migrator"/> says which).</summary>
    public async Task GrantAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SchemaGrants g)
    {
        var runtime = SqlNames.Identifier(g.RuntimeRole);
        var sql = new StringBuilder($"""
            REVOKE ALL ON SCHEMA {_schema} FROM PUBLIC;
            GRANT USAGE ON SCHEMA {_schema} TO {runtime};
            REVOKE ALL ON ALL TABLES IN SCHEMA {_schema} FROM {runtime};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_schema} TO {runtime};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema} TO {runtime};
            REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {_schema} FROM PUBLIC;
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {_schema} TO {runtime};
            """);
        foreach (var table in g.AppendOnlyTables)
            sql.Append($"REVOKE UPDATE, DELETE, TRUNCATE ON {_schema}.{SqlNames.Identifier(table)} FROM {runtime};\n");
        if (g.ReadOnlyRole is { } reader)
        {
            var r = SqlNames.Identifier(reader);
            sql.Append($"GRANT USAGE ON SCHEMA {_schema} TO {r};\n"
                + $"REVOKE ALL ON ALL TABLES IN SCHEMA {_schema} FROM {r};\n"
                + $"GRANT SELECT ON ALL TABLES IN SCHEMA {_schema} TO {r};\n");
            foreach (var (table, hidden) in g.HiddenFromReader)
                sql.Append(await HideAsync(conn, tx, r, table, hidden));
        }
        foreach (var (role, tables) in g.TableReaders)
        {
            var r = SqlNames.Identifier(role);
            sql.Append($"GRANT USAGE ON SCHEMA {_schema} TO {r};\n"
                + $"REVOKE ALL ON ALL TABLES IN SCHEMA {_schema} FROM {r};\n");
            foreach (var table in tables)
                sql.Append($"GRANT SELECT ON {_schema}.{SqlNames.Identifier(table)} TO {r};\n");
        }
        foreach (var (role, tables) in g.TableInserters)
        {
            var r = SqlNames.Identifier(role);
            if (!g.TableReaders.ContainsKey(role))
                sql.Append($"GRANT USAGE ON SCHEMA {_schema} TO {r};\n")
                    .Append($"REVOKE ALL ON ALL TABLES IN SCHEMA {_schema} FROM {r};\n");
            foreach (var table in tables)
                sql.Append($"GRANT SELECT, INSERT ON {_schema}.{SqlNames.Identifier(table)} TO {r};\n");
        }
        await conn.ExecuteAsync(sql.ToString(), transaction: tx);
    }
}
