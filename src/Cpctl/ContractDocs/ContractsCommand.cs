using System.CommandLine;

namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// cpctl contracts: the machine-readable contracts (AsyncAPI and JSON Schema) and a producer's own check of its
/// messages.
/// </summary>
public static class ContractsCommand
{
    public static Command Build()
    {
        var outDir = new Option<string?>("--out") { Description = "the folder to write (default docs/contracts)" };
        var checkOnly = new Option<bool>("--check")
        {
            Description = "write nothing; exit 1 if the files in the folder differ from what the code generates",
        };
        var export = new Command("export",
            "generate docs/contracts: asyncapi.yaml (AsyncAPI 3.0) and one JSON Schema per message type and version, " +
            "from src/Contracts and the workers' consumers")
            { outDir, checkOnly };
        export.SetAction(parse =>
            Export(parse.GetValue(outDir), parse.GetValue(checkOnly), Console.Out, Console.Error));
        var topic = new Option<string>("--topic")
        {
            Description = "the topic the messages are for (e.g. provider.feed)", Required = true,
        };
        var type = new Option<string?>("--type")
        {
            Description = "the type of lines that are bare bodies (not needed on a topic with one type, " +
                "or for {\"type\":...,\"body\":...} and kcat -J lines)",
        };
        var file = new Argument<string>("file")
        {
            Description = "JSON lines: a body, {\"type\": ..., \"body\": ..., \"key\": ...}, or a line of kcat -J",
        };
        var check = new Command("check",
            "check a file of messages against the topic's schemas and the pipeline's own reading and validation " +
            "(provider.feed: the feed's rules); " +
            "every reason per line; exits 1 if any line is bad. No database, no broker")
            { topic, type, file };
        check.SetAction(parse =>
            Check(parse.GetValue(topic)!, parse.GetValue(type), parse.GetValue(file)!, Console.Out, Console.Error));
        return new Command("contracts",
            "the topics' machine-readable contracts (docs/contracts), " +
            "and a check of a producer's messages against them")
            { export, check };
    }

    /// <summary>docs/contracts under the current directory: run it from the repository's root.</summary>
    public static string DefaultDir => Path.Combine("docs", "contracts");

    /// <summary>
    /// Writes the generated files; with <paramref name="check"/>, writes nothing and exits 1 when the committed ones
    /// differ.
    /// </summary>
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
            error.WriteLine($"the contracts in {dir} are not what the code generates: " +
                $"run `{ContractFiles.ExportCommand}` and commit the result");
            return 1;
        }
        ContractFiles.Write(dir, files);
        output.WriteLine($"wrote {files.Count} files to {dir}");
        return 0;
    }

    /// <summary>
    /// Checks every line of <paramref name="file"/>; prints each bad line's reasons and exits 1 if there is one (2 when
    /// it cannot start).
    /// </summary>
    public static int Check(string topicName, string? type, string file, TextWriter output, TextWriter error)
    {
        if (ContractModel.Topic(topicName) is not { } topic)
        {
            error.WriteLine($"unknown topic '{topicName}': " +
                $"one of {string.Join(", ", ContractModel.AllTopics.Select(t => t.Spec.Name))}");
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
