namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// The generated contract files, by path relative to their folder (docs/contracts by default):
/// asyncapi.yaml and schemas/&lt;Type&gt;.v&lt;N&gt;.json. Generated in memory, so the tests and
/// <c>cpctl contracts export --check</c> compare them with what is committed.
/// </summary>
public static class ContractFiles
{
    public const string AsyncApiFile = "asyncapi.yaml";
    public const string SchemasFolder = "schemas";
    public const string ExportCommand = "./run cpctl contracts export";

    public static IReadOnlyDictionary<string, string> Generate()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [AsyncApiFile] = AsyncApiDocument.Yaml(AsyncApiDocument.Build()),
        };
        foreach (var m in ContractModel.Messages)
            files[SchemasFolder + "/" + m.SchemaFile] = ContractSchemas.Text(ContractSchemas.For(m));
        return files;
    }

    /// <summary>
    /// Writes every file and deletes schema files no type generates any more (a stale schema is a lie).
    /// </summary>
    public static void Write(string dir, IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(Path.Combine(dir, SchemasFolder));
        foreach (var stale in Directory.GetFiles(Path.Combine(dir, SchemasFolder), "*.json"))
            if (!files.ContainsKey(SchemasFolder + "/" + Path.GetFileName(stale))) File.Delete(stale);
        foreach (var (path, text) in files)
            File.WriteAllText(Path.Combine(dir, path), text);
    }

    /// <summary>
    /// Every difference between <paramref name="files"/> and what is in <paramref name="dir"/>:
    /// one line per file, naming it and its first differing line. Empty when they agree.
    /// </summary>
    public static IReadOnlyList<string> Differences(string dir, IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var problems = new List<string>();
        foreach (var (path, expected) in files)
        {
            var full = Path.Combine(dir, path);
            if (!File.Exists(full))
            {
                problems.Add($"{full}: missing");
                continue;
            }
            if (FirstDifference(expected, File.ReadAllText(full)) is { } line) problems.Add($"{full}: {line}");
        }
        var schemas = Path.Combine(dir, SchemasFolder);
        if (Directory.Exists(schemas))
            problems.AddRange(Directory.GetFiles(schemas, "*.json").Order(StringComparer.Ordinal)
                .Where(f => !files.ContainsKey(SchemasFolder + "/" + Path.GetFileName(f)))
                .Select(f => $"{f}: no message type generates it any more"));
        return problems;
    }

    /// <summary>
    /// The first line where <paramref name="actual"/> differs from <paramref name="expected"/>, or null.
    /// </summary>
    public static string? FirstDifference(string expected, string actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var want = expected.Split('\n');
        var have = actual.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < Math.Max(want.Length, have.Length); i++)
        {
            var w = i < want.Length ? want[i] : null;
            var h = i < have.Length ? have[i] : null;
            if (w == h) continue;
            return $"line {i + 1} differs: generated {Show(w)}, committed {Show(h)}";
        }
        return null;
    }

    private static string Show(string? line) =>
        line is null ? "(end of file)" : "'" + (line.Length > 160 ? line[..160] + "…" : line) + "'";
}
