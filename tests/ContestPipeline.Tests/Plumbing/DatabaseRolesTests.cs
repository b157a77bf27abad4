using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ContestPipeline.Deployment;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Each worker runs as a role that owns nothing: its own schema only, the ledger append-only,
/// nothing created. The migrator (here the database's owner, in production cp_migrator) owns
/// the schemas and grants. These are the roles every test's workers run as.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DatabaseRolesTests(PipelineFixture fixture)
{
    private static async Task MigrateAsync(Isolated iso, params string[] workers)
    {
        foreach (var name in workers)
        {
            var worker = Workers.All[name];
            await new Migrator(iso.DataSource, worker.Name, worker.AllMigrations, NullLogger.Instance, worker.Grants).ApplyAsync(CancellationToken.None);
        }
    }

    private static NpgsqlConnection As(Isolated iso, string role) =>
        new(role == "operations"
            ? new NpgsqlConnectionStringBuilder(LocalRoles.RuntimeConnection(iso.PostgresConnectionString, "operations")).ConnectionString
            : LocalRoles.RuntimeConnection(iso.PostgresConnectionString, role));

    private static async Task<string> RefusedAsync(NpgsqlConnection conn, string sql)
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(sql));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        return e.MessageText;
    }

    [Fact]
    public async Task Settlements_runtime_role_can_book_the_ledger_but_never_change_or_empty_a_posting()
    {
        await using var iso = await fixture.IsolatedAsync();
        await MigrateAsync(iso, "settlement");
        await using var settlement = As(iso, "settlement");
        await settlement.OpenAsync();
        await using (var tx = await settlement.BeginTransactionAsync())
        {
            await settlement.ExecuteAsync("""
                INSERT INTO settlement.journal (journal_id, contest_id, kind, description, recorded_at) VALUES ('j1', 'c1', 'entry_fee', 'test', now());
                INSERT INTO settlement.postings (journal_id, line, account, amount_minor, currency) VALUES ('j1', 1, 'stripe', 1000, 'USD'), ('j1', 2, 'contest:c1', -1000, 'USD');
                """, transaction: tx);
            await tx.CommitAsync();
        }
        Assert.Equal(2, await settlement.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.postings"));

        Assert.Contains("permission denied for table postings", await RefusedAsync(settlement, "UPDATE settlement.postings SET amount_minor = 1 WHERE journal_id = 'j1'"));
        await RefusedAsync(settlement, "DELETE FROM settlement.postings WHERE journal_id = 'j1'");
        await RefusedAsync(settlement, "TRUNCATE settlement.postings");
        await RefusedAsync(settlement, "UPDATE settlement.journal SET description = 'other' WHERE journal_id = 'j1'");
        await RefusedAsync(settlement, "DELETE FROM settlement.journal");
        // It owns nothing: no table of its own, no change to a table's shape.
        await RefusedAsync(settlement, "CREATE TABLE settlement.mine (x int)");
        Assert.Contains("must be owner", await Assert.ThrowsAsync<PostgresException>(() => settlement.ExecuteAsync("ALTER TABLE settlement.postings DISABLE TRIGGER USER")).ContinueWith(t => t.Result.MessageText));
        Assert.Equal(2, await settlement.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.postings WHERE amount_minor IN (1000, -1000)"));
    }

    [Fact]
    public async Task Ingestions_runtime_role_cannot_read_settlements_schema_and_the_operations_role_reads_but_never_writes()
    {
        await using var iso = await fixture.IsolatedAsync();
        await MigrateAsync(iso, "ingestion", "settlement");
        await using var ingestion = As(iso, "ingestion");
        await ingestion.OpenAsync();
        Assert.Equal(0, await ingestion.ExecuteScalarAsync<long>("SELECT count(*) FROM ingestion.contests"));
        Assert.Contains("permission denied for schema settlement", await RefusedAsync(ingestion, "SELECT count(*) FROM settlement.postings"));
        await RefusedAsync(ingestion, "SELECT count(*) FROM settlement.payouts");
        await using var settlement = As(iso, "settlement");
        await settlement.OpenAsync();
        await RefusedAsync(settlement, "SELECT count(*) FROM ingestion.entries");

        await using var operations = As(iso, "operations");
        await operations.OpenAsync();
        Assert.Equal(0, await operations.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.postings"));
        Assert.Equal(0, await operations.ExecuteScalarAsync<long>("SELECT count(*) FROM ingestion.entries"));
        await RefusedAsync(operations, "DELETE FROM ingestion.entries");
        await RefusedAsync(operations, "INSERT INTO settlement.journal (journal_id, kind, description, recorded_at) VALUES ('x', 'k', 'd', now())");
        // The retention function runs as the schemas' owner: only the worker's own role may call it.
        await RefusedAsync(operations, "SELECT * FROM ingestion.retention_partitions('inbox', interval '0 days')");
        await RefusedAsync(settlement, "SELECT * FROM ingestion.retention_partitions('inbox', interval '0 days')");
        Assert.Empty(await ingestion.QueryAsync("SELECT * FROM ingestion.retention_partitions('inbox', interval '100 years')"));
    }
}
