using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing.Database;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// One run of <c>bench messaging</c>: the broker and database every part of it shares, what each part sends, and
/// the schemas made for it, which are dropped when it ends.
/// </summary>
public sealed class MessagingRun(LocalBrokerProcess broker, NpgsqlDataSource dataSource, string schema, int messages,
    int transactionSize, bool signed, int warmUp)
{
    private readonly List<string> _schemas = [];

    public LocalBrokerProcess Broker => broker;
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>The run's first schema: the baselines' and the first pair's.</summary>
    public string Schema => schema;

    public int Messages => messages;
    public int TransactionSize => transactionSize;
    public bool Signed => signed;
    public int WarmUp => warmUp;

    /// <summary>A schema with the pipeline's tables and the bench's, dropped with the run.</summary>
    public async Task MigrateAsync(string name, CancellationToken ct)
    {
        _schemas.Add(name);
        var migrations = new List<Migration>([.. Migration.Plumbing, BenchCommand.EffectsMigration]);
        await new Migrator(dataSource, name, migrations, NullLogger.Instance).ApplyAsync(ct);
    }

    /// <summary>A schema a peer makes and drops itself, dropped with the run too should the peer fail first.</summary>
    public string PeerSchema(int pair)
    {
        var name = $"{schema}_peer{pair}";
        _schemas.Add(name);
        return name;
    }

    public async Task DropSchemasAsync()
    {
        await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
        foreach (var name in _schemas) await conn.ExecuteAsync($"DROP SCHEMA IF EXISTS {name} CASCADE");
    }
}
