using System.Data;
using Dapper;

namespace ContestPipeline.Plumbing.Database;

/// <summary>
/// Dapper settings every worker shares: snake_case columns map to PascalCase properties, and
/// timestamptz (which Npgsql reads as a UTC DateTime) maps to DateTimeOffset.
/// </summary>
public static class DapperDefaults
{
    private static int _applied;

    public static void Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1) return;
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
    }

    private sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
            DateTimeOffset o => o,
            _ => throw new DataException($"cannot read {value.GetType().Name} as a timestamp"),
        };

        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) =>
            parameter.Value = value.ToUniversalTime();
    }
}
