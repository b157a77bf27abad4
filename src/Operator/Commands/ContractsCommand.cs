using ContestPipeline.Local.Processes;
using ContestPipeline.Operator.ContractDocs;

namespace ContestPipeline.Operator.Commands;

/// <summary>cpctl contracts: the machine-readable contracts (AsyncAPI and JSON Schema) and a producer's own check of its messages.</summary>
public static class ContractsCommand
{
    public static string DefaultDir => Path.Combine(RepoPaths.Root, "docs", "contracts");

    /// <summary>Writes the generated files; with <paramref name="check"/>, writes nothing and exits 1 when the committed ones differ.</summary>
    public static int Export(string? outDir, bool check, TextWriter output, TextWriter error)
    {
        var dir = outDir ?? DefaultDir;
        var files = ContractFiles.Generate();
        if (check)
        {
            var differences = ContractFiles.Differences(dir, files);
            foreach (var d in differences) error.WriteLine(d);
            if (differences.Count == 0)
            {
                output.WriteLine($"{dir}: {files.Count} files, as generated");
                return 0;
            }
            error.WriteLine($"the contracts in {dir} are not what the code generates: run `{ContractFiles.ExportCommand}` and commit the result");
            return 1;
        }
        ContractFiles.Write(dir, files);
        output.WriteLine($"wrote {files.Count} files to {dir}");
        return 0;
    }

    /// <summary>Checks every line of <paramref name="file"/>; prints each bad line's reasons and exits 1 if there is one (2 when it cannot start).</summary>
    public static int Check(string topicName, string? type, string file, TextWriter output, TextWriter error)
    {
        if (ContractModel.Topic(topicName) is not { } topic)
        {
            error.WriteLine($"unknown topic '{topicName}': one of {string.Join(", ", ContractModel.AllTopics.Select(t => t.Spec.Name))}");
            return 2;
        }
        if (type is not null && !topic.Types.Contains(type, StringComparer.Ordinal))
        {
            error.WriteLine($"{topicName} does not carry {type}: it carries {string.Join(", ", topic.Types)}");
            return 2;
        }
        if (!File.Exists(file))
        {
            error.WriteLine($"no such file: {file}");
            return 2;
        }
        var results = ContractCheck.Check(topic, File.ReadLines(file), type);
        foreach (var line in results.Where(l => !l.Good))
            foreach (var reason in line.Reasons)
                output.WriteLine($"line {line.Line}: {(line.Type is null ? "" : line.Type + ": ")}{reason}");
        var bad = results.Count(l => !l.Good);
        output.WriteLine($"{file}: {results.Count} messages for {topicName}, {results.Count - bad} good, {bad} bad");
        return bad == 0 ? 0 : 1;
    }
}
