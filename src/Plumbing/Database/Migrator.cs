using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Plumbing.Database;

/// <summary>One versioned SQL script. Its id orders it; its checksum guards against edits after it ran.</summary>
public sealed record Migration(string Id, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>The messaging core's own scripts, which every worker schema starts with.</summary>
    public static IReadOnlyList<Migration> Plumbing { get; } = FromAssembly(typeof(Migration).Assembly, "plumbing");

    /// <summary>Embedded *.sql resources of <paramref name="assembly"/>, ordered by file name, ids prefixed.</summary>
    public static IReadOnlyList<Migration> FromAssembly(Assembly assembly, string prefix)
    {
        var list = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var file = name.Split('.')[^2];
            list.Add(new Migration($"{prefix}/{file}", reader.ReadToEnd()));
        }
        return list;
    }
}

/// <summary>
/// Applies versioned scripts to one schema. Everything happens in one transaction under a
/// transaction-scoped advisory lock on the schema, so concurrent starts of several
/// processes apply each script exactly once and a failed script leaves nothing behind.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, string schema, IReadOnlyList<Migration> migrations, ILogger logger)
{
    private readonly string _schema = SqlNames.Identifier(schema);

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
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = LockKey(_schema) }, tx);
        await conn.ExecuteAsync($"""
            CREATE SCHEMA IF NOT EXISTS {_schema};
            CREATE TABLE IF NOT EXISTS {_schema}.schema_migrations (
                id         text PRIMARY KEY,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, transaction: tx);
        var applied = (await conn.QueryAsync<(string Id, string Checksum)>(
            $"SELECT id, checksum FROM {_schema}.schema_migrations", transaction: tx)).ToDictionary(r => r.Id, r => r.Checksum);

        var count = 0;
        foreach (var m in migrations)
        {
            if (applied.TryGetValue(m.Id, out var checksum))
            {
                if (checksum != m.Checksum)
                    throw new InvalidOperationException(
                        $"migration {m.Id} in schema {_schema} was changed after it was applied (checksum {checksum} in the database, {m.Checksum} now)");
                continue;
            }
            await conn.ExecuteAsync($"SET LOCAL search_path TO {_schema}", transaction: tx);
            await conn.ExecuteAsync(m.Sql, transaction: tx);
            await conn.ExecuteAsync($"INSERT INTO {_schema}.schema_migrations (id, checksum) VALUES (@Id, @Checksum)", m, tx);
            logger.LogInformation("Applied migration {MigrationId} to schema {Schema}", m.Id, _schema);
            count++;
        }
        await tx.CommitAsync(ct);
        return count;
    }
}

public static class SqlNames
{
    /// <summary>Schema names are interpolated into SQL, so only plain lower-case identifiers pass.</summary>
    public static string Identifier(string name)
    {
        if (name.Length is 0 or > 63 || !(name[0] is >= 'a' and <= 'z') ||
            !name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_'))
            throw new ArgumentException($"'{name}' is not a plain lower-case SQL identifier", nameof(name));
        return name;
    }
}
