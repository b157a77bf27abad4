using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Deployment;

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
        string? Note = null,
        string? Body = null)
    {
        public override string ToString() => Name;

        /// <summary>The last part of the name, for ids in the bodies (<c>${case}</c>).</summary>
        public string ShortName => Name[(Name.LastIndexOf('/') + 1)..];

        public byte[] Raw() => Body is not null ? Encoding.UTF8.GetBytes(Body) : File.ReadAllBytes(Path.Combine(Directory, Input ?? throw new InvalidOperationException($"{Name} replays a genuine message")));
    }

    private sealed record Manifest(string About, List<Case> Cases);

    public static IReadOnlyList<Case> Load() =>
        JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(Directory, "manifest.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Cases;

    /// <summary>
    /// A compromised process's forgeries, made for every service with key material (src/Deployment/Services.cs, the
    /// definition docker-compose.yml is generated from): every message type on every internal topic the service may
    /// not publish, signed with exactly the keys its folder holds (<c>keys-of:&lt;service&gt;:&lt;producer&gt;</c>). It
    /// claims the type's rightful producer when it holds any key of that producer (a consumer's pair key), else its
    /// own producer when it holds keys as one, else it cannot sign at all. Every consumer of the topic in
    /// <paramref name="running"/> but the service itself must refuse it. A topic the service consumes itself while it
    /// runs is left out: what it accepts from itself it could have done anyway, and it would change its own rows.
    /// Services with the same material (the console and cpctl) are tried once, named together.
    /// </summary>
    public static IReadOnlyList<Case> KeysOfEveryService(IReadOnlyList<(string Group, string Topic)> running)
    {
        var cases = new List<Case>();
        foreach (var same in Services.All.Where(s => s.Keys is not null)
                     .GroupBy(s => string.Join(" ", s.Keys!.Pairs.Select(p => p.Producer + ">" + p.Consumer)) + "|" + string.Join(" ", s.Keys!.SignsAs)))
        {
            var service = same.First();
            var keys = service.Keys!;
            var name = string.Join("+", same.Select(s => s.Name));
            foreach (var row in PublishRights.Pipeline.Rows.Where(r => !r.Producers.Intersect(keys.SignsAs, StringComparer.Ordinal).Any()))
            {
                var groups = running.Where(g => g.Topic == row.Topic).Select(g => g.Group).ToList();
                if (groups.Any(g => g.StartsWith(service.Name + ".", StringComparison.Ordinal))) continue;
                if (groups.Count == 0) continue;
                var rightful = row.Producers.FirstOrDefault(p => keys.Pairs.Any(k => k.Producer == p));
                var own = keys.SignsAs.FirstOrDefault(p => keys.Pairs.Any(k => k.Producer == p));
                var (claim, reason) = (rightful, own) switch
                {
                    ({ } p, _) => (p, "unauthenticated: not signed for ${consumer} (signatures has no '${consumer}:…'): " + p + " did not sign it for this consumer"),
                    (null, { } o) => (o, $"unauthenticated: producer '{o}' may not publish '{row.MessageType}' on {row.Topic} (only {string.Join(", ", row.Producers)})"),
                    _ => ("", "unauthenticated: not signed (no signatures header)"),
                };
                cases.Add(new Case($"keys-of/{name}/{row.Topic}/{row.MessageType}", row.Topic, row.MessageType, "${open}",
                    new Expectation(groups, reason, "unauthenticated"), Sign: $"keys-of:{service.Name}:{claim}",
                    Body: "{\"forgedBy\":\"" + name + "\"}"));
            }
        }
        return cases;
    }
}
