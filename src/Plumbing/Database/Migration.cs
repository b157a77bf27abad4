using System.Reflection;
using System.Security.Cryptography;
using System.Text;

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
        var resources = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var name in resources)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var file = name.Split('.')[^2];
            list.Add(new Migration($"{prefix}/{file}", reader.ReadToEnd()));
        }
        return list;
    }
}
