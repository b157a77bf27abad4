using ContestPipeline.Deployment;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The roles as production has them, after the migrate job ran as compose runs it: each service
/// connects as its identity's role (its connection string and password file from the deployment's
/// definition) and can do what that role may, and nothing more. Each worker reads and writes its
/// own schema only; the read model writes only <c>operations</c>; the console and cpctl read every
/// schema and write nothing; no runtime role changes or empties the ledger.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DatabaseRolesTests(PipelineFixture fixture)
{
    private static readonly string[] Schemas = [.. Workers.All.Keys];

    /// <summary>The service's own connection, as its process would open it.</summary>
    private static async Task<NpgsqlConnection> OpenAsAsync(ContestRun run, ServiceIdentity service)
    {
        var swaps = run.Swaps with
        {
            ConsoleOperators = "{}", PlayerApiTokens = ContestPipeline.PlayerApi.PlayerApiOptions.Hash("token"),
            PlayerTokenKeys = "the sign-in's public key",
        };
        var env = LocalServices.Prepare(service, swaps, label: "roles-" + service.Name).Environment;
        var csb = new NpgsqlConnectionStringBuilder(env[PipelineSettings.PostgresVariable])
        {
            Password = (await File.ReadAllTextAsync(env[PipelineSettings.PostgresPasswordVariable
                + Setting.FileSuffix]!)).Trim(),
        };
        Assert.Equal(service.DatabaseRole, csb.Username);
        var conn = new NpgsqlConnection(csb.ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    private static async Task<string?> RefusalAsync(NpgsqlConnection conn, string sql)
    {
        await using var tx = await conn.BeginTransactionAsync();
        try
        {
            await conn.ExecuteAsync(sql, transaction: tx);
            return null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return e.MessageText;
        }
        finally
        {
            await tx.RollbackAsync();
        }
    }

    private static string InsertInbox(string schema) =>
        $"INSERT INTO {schema}.inbox (consumer, message_id, topic, kafka_partition, kafka_offset, outcome) " +
        "VALUES ('roles', 'm1', 't', 0, 0, 'applied')";

    [Fact]
    public async Task Each_service_reads_and_writes_only_what_its_role_may_after_the_migrate_job()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        var problems = new List<string>();
        foreach (var service in Services.All.Where(s => s.DatabaseRole is not null && s != Services.Migrate))
        {
            await using var conn = await OpenAsAsync(run, service);
            var own = Workers.All.ContainsKey(service.Name) ? service.Name : null;
            foreach (var schema in Schemas)
            {
                var read = await RefusalAsync(conn, $"SELECT count(*) FROM {schema}.inbox");
                var write = await RefusalAsync(conn, InsertInbox(schema));
                var change = await RefusalAsync(conn, $"UPDATE {schema}.outbox SET topic = topic");
                var empty = await RefusalAsync(conn, $"DELETE FROM {schema}.inbox");
                // Its own schema: everything; the read-only role: reading everything; anyone else: nothing at all.
                var mayRead = schema == own || service.DatabaseRole == DatabaseRoles.Reader;
                var mayWrite = schema == own;
                var who = $"{service.Name} ({service.DatabaseRole})";
                if ((read is null) != mayRead)
                    problems.Add($"{who} {(mayRead ? "cannot" : "can")} read {schema}: {read}");
                foreach (var (what, refusal) in new[]
                    { ("insert into", write), ("update", change), ("delete from", empty) })
                    if ((refusal is null) != mayWrite)
                        problems.Add($"{who} {(mayWrite ? "cannot" : "can")} {what} {schema}: {refusal}");
            }
            // A live onboarding link onboards whoever opens it first, and a login link opens the winner's dashboard:
            // the read-only role sees the rest of the rows.
            if (service.DatabaseRole == DatabaseRoles.Reader)
                foreach (var (sql, mayRead) in new[] {
                    ("SELECT url FROM payout.onboarding_link_requests", false),
                    ("SELECT url FROM payout.login_link_requests", false),
                    ("SELECT player_id, outcome, reason FROM payout.login_link_requests", true),
                    ("SELECT onboarding_url FROM payout.recipients", false),
                    ("SELECT * FROM payout.recipients", false),
                    ("SELECT player_id, outcome, expires_at FROM payout.onboarding_link_requests", true),
                    ("SELECT player_id, can_receive FROM payout.recipients", true) })
                    if ((await RefusalAsync(conn, sql) is null) != mayRead)
                        problems.Add($"{service.Name} ({service.DatabaseRole}) {(mayRead ? "cannot" : "can")} {sql}");
            // Nobody but the migrator creates anything: not in a schema, not in public, not a temporary table.
            foreach (var create in new[] { $"CREATE TABLE {own ?? "operations"}.mine (x int)",
                "CREATE TABLE public.mine (x int)", "CREATE TEMPORARY TABLE mine (x int)" })
                if (await RefusalAsync(conn,
                    create) is null) problems.Add($"{service.Name} ({service.DatabaseRole}) may {create}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_read_model_writes_its_schema_as_its_own_role_and_the_console_and_cpctl_only_read_it()
    {
        // The regression: the read model's role and the read-only role were one, and the migrator's
        // read-only grant took the read model's writes away; its first inbox insert failed (42501).
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        Assert.Equal(DatabaseRoles.Operations, Services.Operations.DatabaseRole);
        Assert.Equal(DatabaseRoles.Reader, Services.Console.DatabaseRole);
        Assert.Equal(DatabaseRoles.Reader, Services.Cpctl.DatabaseRole);
        await using (var operations = await OpenAsAsync(run, Services.Operations))
        {
            await operations.ExecuteAsync(InsertInbox("operations"));
            Assert.Equal(1,
                await operations.ExecuteScalarAsync<long>("SELECT count(*) FROM operations.inbox WHERE consumer = " +
                "'roles'"));
        }
        foreach (var reader in new[] { Services.Console, Services.Cpctl })
        {
            await using var conn = await OpenAsAsync(run, reader);
            Assert.Equal(1,
                await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM operations.inbox WHERE consumer = 'roles'"));
            Assert.Contains("permission denied", await RefusalAsync(conn, "DELETE FROM operations.inbox"));
            // The retention function runs as the schemas' owner: only the worker's own role may call it.
            Assert.Contains("permission denied", await RefusalAsync(conn,
                "SELECT * FROM operations.retention_partitions('inbox', interval '0 days')"));
        }
    }

    [Fact]
    public async Task Settlements_role_books_the_ledger_but_never_changes_or_empties_its_history()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var settlement = await OpenAsAsync(run, Services.Settlement);
        await using (var tx = await settlement.BeginTransactionAsync())
        {
            await settlement.ExecuteAsync("""
                INSERT INTO settlement.journal (journal_id, contest_id, kind, description, recorded_at)
                VALUES ('j1', 'c1', 'entry_fee', 'test', now());
                INSERT INTO settlement.postings (journal_id, line, account, amount_minor, currency)
                VALUES ('j1', 1, 'stripe', 1000, 'USD'), ('j1', 2, 'contest:c1', -1000, 'USD');
                """, transaction: tx);
            await tx.CommitAsync();
        }
        Assert.Equal(2, await settlement.ExecuteScalarAsync<long>("SELECT count(*) FROM settlement.postings"));
        foreach (var sql in new[]
                 {
                     "UPDATE settlement.postings SET amount_minor = 1 WHERE journal_id = 'j1'",
                         "DELETE FROM settlement.postings WHERE journal_id = 'j1'",
                     "TRUNCATE settlement.postings",
                         "UPDATE settlement.journal SET description = 'other' WHERE journal_id = 'j1'",
                         "DELETE FROM settlement.journal",
                 })
            Assert.NotNull(await RefusalAsync(settlement, sql));
        var owner = await Assert.ThrowsAsync<PostgresException>(() =>
            settlement.ExecuteAsync("ALTER TABLE settlement.postings DISABLE TRIGGER USER"));
        Assert.Contains("must be owner", owner.MessageText);
        // Every other runtime role cannot even see the ledger.
        foreach (var other in new[] { Services.Ingestion, Services.Scoring, Services.Payout, Services.Operations })
        {
            await using var conn = await OpenAsAsync(run, other);
            Assert.Contains("permission denied for schema settlement", await RefusalAsync(conn,
                "SELECT count(*) FROM settlement.postings"));
        }
        Assert.Equal(2,
            await settlement.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM settlement.postings WHERE amount_minor IN (1000, -1000)"));
    }
}
