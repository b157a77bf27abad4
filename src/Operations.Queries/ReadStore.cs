using Dapper;
using Npgsql;

namespace ContestPipeline.Operations.Queries;

/// <summary>
/// What every store of the read model's readers shares: a connection per query from the data source, rows mapped
/// by Dapper, and one page size. Each reader's database role needs SELECT on what its stores read and nothing more:
/// the console's and cpctl's the operations schema, the platform's read API three of its tables.
/// </summary>
public abstract class ReadStore(NpgsqlDataSource db)
{
    /// <summary>Rows on a page of every list the console and cpctl show.</summary>
    public const int PageSize = 50;

    protected NpgsqlDataSource DataSource { get; } = db;

    protected async Task<List<T>> ListAsync<T>(string sql, object? args = null)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<T>(sql, args)];
    }

    protected async Task<T?> OneAsync<T>(string sql, object? args = null)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<T>(sql, args);
    }
}
