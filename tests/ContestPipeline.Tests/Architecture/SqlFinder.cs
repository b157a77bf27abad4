using System.Text.RegularExpressions;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace ContestPipeline.Tests.Architecture;

/// <summary>SQL found in a method: its text, or a call that runs SQL.</summary>
public sealed record SqlUse(string Namespace, string Type, string Method, string What)
{
    public override string ToString() => $"{Type}.{Method}: {What}";
}

/// <summary>
/// Finds SQL in built assemblies by reading their IL: string literals that read as SQL (the
/// keywords are upper case in this code base; an interpolated string keeps its literal parts as
/// literals), and calls that run SQL (Dapper's extension methods, Npgsql's commands, batches and
/// COPY). Code the compiler generates (async state machines, lambdas) counts as the type it
/// was written in.
/// </summary>
public static partial class SqlFinder
{
    // The pattern's alternatives, in pieces that fit the line: reading, writing, schema, bulk statements.
    private const string SqlReads = """SELECT\s.*\bFROM\b|SELECT\s+(\d|count|exists|pg_|nextval|set_config)""";
    private const string SqlWrites = """INSERT\s+INTO\b|UPDATE\s+[\w."]+\s+SET\b|DELETE\s+FROM\b""";
    private const string SqlSchema = """(CREATE|ALTER|DROP)\s+(TABLE|INDEX|SCHEMA|FUNCTION|ROLE|TRIGGER)\b""";
    private const string SqlBulk = """TRUNCATE\s|COPY\s+[\w."]+\s*\(""";

    [GeneratedRegex("""\b(""" + SqlReads + "|" + SqlWrites + "|" + SqlSchema + "|" + SqlBulk + ")",
        RegexOptions.Singleline)]
    private static partial Regex SqlText();

    private static readonly HashSet<string> SqlRunners =
        ["Dapper.SqlMapper", "Npgsql.NpgsqlCommand", "Npgsql.NpgsqlBatch", "Npgsql.NpgsqlBatchCommand"];

    /// <summary>Dapper's configuration (how a column maps to a type), which runs no SQL.</summary>
    private static readonly HashSet<string> SqlMapperSettings =
        ["AddTypeHandler", "AddTypeMap", "RemoveTypeMap", "ResetTypeHandlers", "SetTypeMap"];

    private static readonly HashSet<string> SqlRunningMembers =
    [
        "CreateCommand", "CreateBatch", "BeginBinaryImport", "BeginBinaryImportAsync", "BeginBinaryExport",
        "BeginBinaryExportAsync", "BeginTextImport", "BeginTextImportAsync", "BeginTextExport", "BeginTextExportAsync",
        "BeginRawBinaryCopy", "BeginRawBinaryCopyAsync",
    ];

    public static bool LooksLikeSql(string text) => SqlText().IsMatch(text);

    public static IReadOnlyList<SqlUse> In(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var uses = new List<SqlUse>();
        foreach (var type in module.GetTypes())
        {
            var written = TopLevel(type);
            foreach (var method in type.Methods.Where(m => m.HasBody))
            foreach (var instruction in method.Body.Instructions)
            {
                var what = Describe(instruction);
                if (what is not null)
                    uses.Add(new SqlUse(written.Namespace, written.FullName, WrittenMethod(type, method), what));
            }
        }
        return uses;
    }

    private static string? Describe(Instruction instruction) => instruction.Operand switch
    {
        string text when instruction.OpCode == OpCodes.Ldstr && LooksLikeSql(text) => "SQL text '" + Cut(text) + "'",
        MethodReference called when instruction.OpCode.FlowControl == FlowControl.Call && RunsSql(called) =>
            $"calls {called.DeclaringType.Name}.{called.Name}",
        _ => null,
    };

    private static bool RunsSql(MethodReference called)
    {
        var declaring = called.DeclaringType.FullName;
        if (SqlRunners.Contains(declaring))
            return called.Name is not ("get_Parameters" or "Dispose" or "DisposeAsync")
                && !SqlMapperSettings.Contains(called.Name);
        return declaring is "Npgsql.NpgsqlConnection" or "Npgsql.NpgsqlDataSource"
            && SqlRunningMembers.Contains(called.Name);
    }

    /// <summary>The type the code was written in: compiler-generated nested types belong to their outer type.</summary>
    private static TypeDefinition TopLevel(TypeDefinition type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    /// <summary>"HandleAsync" for the MoveNext of its state machine &lt;HandleAsync&gt;d__3 or its lambda
    /// &lt;HandleAsync&gt;b__3_0, as written.</summary>
    private static string WrittenMethod(TypeDefinition type, MethodDefinition method)
    {
        foreach (var name in new[] { method.Name, type.Name })
        {
            var close = name.IndexOf('>', StringComparison.Ordinal);
            if (name.StartsWith('<') && close > 1) return name[1..close];
        }
        return method.Name;
    }

    private static string Cut(string text)
    {
        var line = Regex.Replace(text, @"\s+", " ").Trim();
        return line.Length > 60 ? line[..60] + "…" : line;
    }
}
