using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContestPipeline.Local.Processes;
using ContestPipeline.Cpctl.ContractDocs;

namespace ContestPipeline.Tests.Contracts;

/// <summary>
/// The generated contracts checked by the ecosystem's own tools, as a producer's build would:
/// the AsyncAPI initiative's parser on asyncapi.yaml, and ajv (strict) on the JSON Schemas with
/// every example message of the topic pages; and the same examples through cpctl contracts
/// check's validator and the pipeline's strict reading. The tools come from npm at pinned
/// versions (build/contract-tools.sh, which ./run test runs first; run here when it did not).
/// </summary>
public sealed class ContractToolsTests
{
    private static readonly string Dir = Path.Combine(RepoPaths.Root, "docs", "contracts");
    private static readonly Lazy<string> Tools = new(FindTools);

    [Fact]
    public void The_asyncapi_parser_accepts_the_document()
    {
        var (exit, output) = Node("asyncapi", Path.Combine(Dir, ContractFiles.AsyncApiFile));
        Assert.True(exit == 0, output);
        Assert.Contains($"AsyncAPI 3.0.0, {ContestPipeline.Contracts.TopicCatalog.All.Count} channels", output,
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_asyncapi_parser_refuses_a_document_that_breaks_the_spec()
    {
        var broken = Path.Combine(Directory.CreateTempSubdirectory("asyncapi-").FullName, "asyncapi.yaml");
        File.WriteAllText(broken, File.ReadAllText(Path.Combine(Dir, ContractFiles.AsyncApiFile))
            .Replace("action: \"send\"", "action: \"publish\"", StringComparison.Ordinal));
        var (exit, output) = Node("asyncapi", broken);
        Assert.True(exit == 1, output);
        Assert.Contains("\"action\" property must be equal to one of the allowed values", output,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Every_example_on_the_topic_pages_is_valid_by_ajv()
    {
        var examples = TopicPageExamples.All();
        Assert.True(examples.Count >= 35, $"only {examples.Count} examples found on the topic pages");
        var (exit, output) = Node("examples", Path.Combine(Dir, ContractFiles.SchemasFolder), ExamplesFile(examples));
        Assert.True(exit == 0, output);
        Assert.Contains($"examples: {examples.Count} checked", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Ajv_refuses_an_example_that_breaks_its_schema()
    {
        var good = TopicPageExamples.All().First(e => e.Type == "StatUpdated");
        var bad = JsonNode.Parse(good.Json)!.AsObject();
        bad["value"] = -1;
        bad.Remove("athleteId");
        var (exit, output) = Node("examples", Path.Combine(Dir, ContractFiles.SchemasFolder),
            ExamplesFile([good with { Json = bad.ToJsonString() }]));
        Assert.True(exit == 1, output);
        Assert.Contains("/value must be >= 0", output, StringComparison.Ordinal);
        Assert.Contains("must have required property 'athleteId'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_example_on_the_topic_pages_passes_the_check_and_the_pipelines_reading()
    {
        var failures = new List<string>();
        foreach (var example in TopicPageExamples.All())
        {
            var line =
                new JsonObject { ["type"] = example.Type, ["body"] = JsonNode.Parse(example.Json) }.ToJsonString();
            var result = ContractCheck.Check(ContractModel.Topic(example.Topic)!, [line], domainRules: false).Single();
            failures.AddRange(result.Reasons.Select(r => $"{example.Where} ({example.Type}): {r}"));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string ExamplesFile(IEnumerable<PageExample> examples)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("examples-").FullName, "examples.jsonl");
        File.WriteAllLines(file, examples.Select(e => new JsonObject
        {
            ["where"] = e.Where,
            ["schema"] = ContractModel.Message(e.Type).SchemaFile,
            ["body"] = JsonNode.Parse(e.Json),
        }.ToJsonString()));
        return file;
    }

    private static (int Exit, string Output) Node(params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "build", "contract-tools.mjs"));
        start.ArgumentList.Add(Tools.Value);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    /// <summary>The folder ./run test set up (CONTESTPIPELINE_CONTRACT_TOOLS), else the same script run here.</summary>
    private static string FindTools()
    {
        if (Environment.GetEnvironmentVariable("CONTESTPIPELINE_CONTRACT_TOOLS") is { Length: > 0 } set) return set;
        var start = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "build", "contract-tools.sh"))
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var dir = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException("build/contract-tools.sh failed: " + stderr.Result);
        return dir;
    }
}
