using System.Text.Json;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The checked-in hostile-insider messages (<c>Scenarios/InsiderCorpus/</c>): <c>manifest.json</c>
/// names each case, the internal topic it is put on, its key, its body (a template filled as
/// <see cref="HostileCorpus.Fill(byte[], IReadOnlyDictionary{string, object})"/> fills them) or
/// the genuine message it replays, how it is signed, and the refusal it must get from each
/// consumer of the topic.
/// </summary>
public static class InsiderCorpus
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Scenarios", "InsiderCorpus");

    /// <summary>Which consumers must dead-letter it, with what reason (a prefix, after filling), raising which critical alert.</summary>
    public sealed record Expectation(IReadOnlyList<string> RefusedBy, string Reason, string Alert);

    /// <summary>The last genuine message of <see cref="Type"/> on <see cref="Topic"/> (with <see cref="Key"/>, if given), sent again under the case's topic and key.</summary>
    public sealed record Replay(string Topic, string Type, string? Key = null);

    public sealed record Case(
        string Name,
        string Topic,
        string Type,
        string Key,
        Expectation Expect,
        string? Input = null,
        Replay? Replay = null,
        string? Sign = null,
        string? MessageId = null,
        string? Note = null)
    {
        public override string ToString() => Name;

        /// <summary>The last part of the name, for ids in the bodies (<c>${case}</c>).</summary>
        public string ShortName => Name[(Name.LastIndexOf('/') + 1)..];

        public byte[] Raw() => File.ReadAllBytes(Path.Combine(Directory, Input ?? throw new InvalidOperationException($"{Name} replays a genuine message")));
    }

    private sealed record Manifest(string About, List<Case> Cases);

    public static IReadOnlyList<Case> Load() =>
        JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(Directory, "manifest.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Cases;
}
