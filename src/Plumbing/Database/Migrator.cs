using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// Applies versioned scripts to one schema. Everything happens in one transaction under a
/// transaction-scoped advisory lock on the schema, so concurrent starts of several
/// processes apply each script exactly once and a failed script leaves nothing behind.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, string schema, IReadOnlyList<Migration> migrations,
    ILogger logger, SchemaGrants? grants = null)
{
    private readonly string _schema = SqlNames.Identifier(schema);
    private readonly MigrationStore _store = new(schema);

    /// <summary>
    /// The advisory lock every migrator of <paramref name="schema"/> takes, as
    /// pg_advisory_xact_lock(hashtextextended(key, 0)); tests hold it to make runs overlap.
    /// </summary>
    public static string LockKey(string schema) => "contestpipeline.migrations:" + SqlNames.Identifier(schema);

    /// <summary>Returns the number of scripts applied by this call.</summary>
    public async Task<int> ApplyAsync(CancellationToken ct)
    {
        var duplicate = migrations.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"migration {duplicate.Key} is listed twice");

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await _store.LockAsync(conn, tx);
        await _store.CreateLedgerAsync(conn, tx);
        var applied = await _store.AppliedAsync(conn, tx);

        var count = 0;
        foreach (var m in migrations)
        {
            if (applied.TryGetValue(m.Id, out var checksum))
            {
                if (checksum != m.Checksum)
                    throw new InvalidOperationException(
                        $"migration {m.Id} in schema {_schema} was changed after it was applied "
                        + $"(checksum {checksum} in the database, {m.Checksum} now)");
                continue;
            }
            await _store.RunAsync(conn, tx, m);
            logger.LogInformation("Applied migration {MigrationId} to schema {Schema}", m.Id, _schema);
            count++;
        }
        if (grants is not null) await GrantAsync(conn, tx, grants);
        await tx.CommitAsync(ct);
        return count;
    }

    /// <summary>
    /// The schema's privileges, set again on every run (so a table a migration added is covered):
    /// nobody but its owner may create in it; the runtime role reads and writes its tables and
    /// sequences, except UPDATE and DELETE on the append-only ones; nobody gets TRUNCATE; only
    /// the runtime role may call the schema's functions (retention_partitions runs as the
    /// owner, so the read-only role must not be able to call it).
    /// </summary>
    private async Task GrantAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SchemaGrants g)
    {
        if (g.ReadOnlyRole == g.RuntimeRole)
            throw new InvalidOperationException($"schema {_schema}: {g.RuntimeRole} cannot be both the runtime role "
                + "and the read-only role (the read-only grant would take its writes away)");
        var missing = await _store.MissingRolesAsync(conn, tx, g.Roles.ToArray());
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"schema {_schema}: role(s) {string.Join(", ", missing)} do not exist: create the pipeline's roles "
                + "(deploy/postgres/init-roles.sh with compose; the development tool creates them locally)");
        await _store.GrantAsync(conn, tx, g);
    }

    /// <summary>
    /// For a process that may not change the schema (its runtime role): fails unless every
    /// migration is applied, unchanged. Returns the number checked.
    /// </summary>
    public async Task<int> VerifyAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var exists = await _store.LedgerExistsAsync(conn);
        var applied = exists ? await _store.AppliedAsync(conn, null) : [];
        var missing = migrations.Where(m => !applied.ContainsKey(m.Id)).Select(m => m.Id).ToList();
        var changed = migrations.Where(m => applied.TryGetValue(m.Id, out var c) && c != m.Checksum)
            .Select(m => m.Id).ToList();
        if (missing.Count > 0 || changed.Count > 0)
            throw new StartupException($"schema {_schema} is not migrated for this build "
                + $"(missing: {(missing.Count == 0 ? "none" : string.Join(", ", missing))}; "
                + $"changed since applied: {(changed.Count == 0 ? "none" : string.Join(", ", changed))}): "
                + "run cpctl migrate as the migrator role first");
        return migrations.Count;
    }
}
