using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Local.Processes;
using ContestPipeline.Cpctl.ContractDocs;

namespace ContestPipeline.Tests.Contracts;

/// <summary>
/// docs/contracts is generated (<c>cpctl contracts export</c>), never written by hand: it must be
/// exactly what the code generates now, so a record, topic or publish right changed without
/// regenerating fails here, naming the file and its first differing line.
/// </summary>
public sealed class GeneratedContractsTests
{
    private static readonly string Dir = Path.Combine(RepoPaths.Root, "docs", "contracts");

    [Fact]
    public void The_committed_contracts_are_what_the_code_generates()
    {
        var differences = ContractFiles.Differences(Dir, ContractFiles.Generate());
        Assert.True(differences.Count == 0,
            $"docs/contracts is not what the code generates; run `{ContractFiles.ExportCommand}` and commit the " +
            "result:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void Generating_twice_gives_the_same_bytes() =>
        Assert.Equal(ContractFiles.Generate(), ContractFiles.Generate());

    [Fact]
    public void A_changed_file_is_named_with_its_first_differing_line_and_the_check_exits_1()
    {
        var dir = Directory.CreateTempSubdirectory("contracts-").FullName;
        try
        {
            var files = ContractFiles.Generate();
            ContractFiles.Write(dir, files);
            Assert.Equal(0, ContractsCommand.Export(dir, check: true, TextWriter.Null, TextWriter.Null));

            var schema = Path.Combine(dir, "schemas", "StatUpdated.v1.json");
            var lines = File.ReadAllLines(schema);
            lines[5] = lines[5] + " ";
            File.WriteAllLines(schema, lines);
            File.WriteAllText(Path.Combine(dir, "schemas", "Gone.v1.json"), "{}");
            var error = new StringWriter();
            Assert.Equal(1, ContractsCommand.Export(dir, check: true, TextWriter.Null, error));
            Assert.Contains($"{schema}: line 6 differs", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("Gone.v1.json: no message type generates it any more", error.ToString(),
                StringComparison.Ordinal);
            Assert.Contains(ContractFiles.ExportCommand, error.ToString(), StringComparison.Ordinal);

            // Exporting puts it right, and removes the schema nothing generates.
            Assert.Equal(0, ContractsCommand.Export(dir, check: false, TextWriter.Null, TextWriter.Null));
            Assert.Empty(ContractFiles.Differences(dir, files));
            Assert.False(File.Exists(Path.Combine(dir, "schemas", "Gone.v1.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_topic_of_the_catalog_is_a_channel_and_every_message_type_is_on_one()
    {
        var doc = AsyncApiDocument.Build();
        var channels = doc["channels"]!.AsObject();
        Assert.Equal(TopicCatalog.All.Select(t => t.Name).Order(StringComparer.Ordinal),
            channels.Select(c => c.Key).Order(StringComparer.Ordinal));
        var carried = ContractModel.AllTopics.SelectMany(t => t.Types).ToHashSet(StringComparer.Ordinal);
        var nowhere = ContractModel.Messages.Select(m => m.Type).Where(t => !carried.Contains(t)).ToList();
        Assert.True(nowhere.Count == 0, "message types on no topic: " + string.Join(", ", nowhere));
        Assert.True(ContractModel.Messages.Count >= 40, "the message types were not found by reflection");
    }

    [Fact]
    public void A_signed_topics_senders_are_the_publish_rights_tables_and_its_readers_the_workers_consumers()
    {
        var lifecycle = ContractModel.Topic(Topics.ContestLifecycle)!;
        Assert.True(lifecycle.Signed);
        Assert.Equal([Producers.Scoring, Producers.Settlement], lifecycle.SendersByType["ContestStateChanged"]);
        Assert.Equal(["operations", "payout", "scoring", "settlement"], lifecycle.Receivers);

        var operations = AsyncApiDocument.Build()["operations"]!.AsObject();
        Assert.Equal("send", (string?)operations["settlement.send.payouts.due"]!["action"]);
        Assert.Equal("receive", (string?)operations["payout.receive.payouts.due"]!["action"]);
        Assert.False(operations.ContainsKey("ingestion.send.standings"));

        var feed = ContractModel.Topic(Topics.ProviderFeed)!;
        Assert.False(feed.Signed);
        Assert.Equal(["ingestion"], feed.Receivers);
    }

    [Fact]
    public void Schemas_carry_the_units_and_formats_the_topic_pages_state()
    {
        var settled = ContractSchemas.For(ContractModel.Message("ContestSettled"))["properties"]!;
        Assert.Equal("minor units", (string?)settled["poolMinor"]!["x-unit"]);
        Assert.Equal("integer", (string?)settled["poolMinor"]!["type"]);
        Assert.Equal("^[A-Z]{3}$", (string?)settled["currency"]!["pattern"]);
        Assert.Equal("date-time", (string?)settled["settledAt"]!["format"]);
        var defined = ContractSchemas.For(ContractModel.Message("ContestDefined"))["properties"]!;
        Assert.Equal(10_000, (long)defined["platformFeeBp"]!["maximum"]!);
        Assert.Equal(10_000, (long)defined["prizeTable"]!["properties"]!["percentagesBp"]!["items"]!["maximum"]!);
        Assert.Equal(1_000_000_000,
            (long)defined["prizeTable"]!["properties"]!["places"]!["items"]!["properties"]!["sharePpb"]!["maximum"]!);
        var stat = ContractSchemas.For(ContractModel.Message("StatUpdated"))["properties"]!;
        Assert.Equal(10_000_000, (long)stat["value"]!["maximum"]!);
        Assert.Equal(1, (long)stat["sequence"]!["minimum"]!);
    }
}
