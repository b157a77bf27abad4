using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Players;
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

    /// <summary>
    /// Which consumers must dead-letter it, with what reason (a prefix, after filling), raising which critical alert.
    /// </summary>
    public sealed record Expectation(IReadOnlyList<string> RefusedBy, string Reason, string Alert);

    /// <summary>
    /// The last genuine message of <see cref="Type"/> on <see cref="Topic"/> (with <see cref="Key"/>, if given), sent
    /// again under the case's topic and key.
    /// </summary>
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

        public byte[] Raw() => Body is not null ? Encoding.UTF8.GetBytes(Body) : File.ReadAllBytes(
            Path.Combine(Directory, Input ?? throw new InvalidOperationException($"{Name} replays a genuine message")));
    }

    private sealed record Manifest(string About, List<Case> Cases);

    public static IReadOnlyList<Case> Load() =>
        JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(Directory, "manifest.json")),
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Cases;

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
                     .GroupBy(s => string.Join(" ", s.Keys!.Pairs.Select(p => p.Producer + ">" + p.Consumer)) + "|"
                         + string.Join(" ", s.Keys!.SignsAs)))
        {
            var service = same.First();
            var keys = service.Keys!;
            var name = string.Join("+", same.Select(s => s.Name));
            foreach (var row in PublishRights.Pipeline.Rows.Where(r =>
                !r.Producers.Intersect(keys.SignsAs, StringComparer.Ordinal).Any()))
            {
                var groups = running.Where(g => g.Topic == row.Topic).Select(g => g.Group).ToList();
                if (groups.Any(g => g.StartsWith(service.Name + ".", StringComparison.Ordinal))) continue;
                if (groups.Count == 0) continue;
                var rightful = row.Producers.FirstOrDefault(p => keys.Pairs.Any(k => k.Producer == p));
                var own = keys.SignsAs.FirstOrDefault(p => keys.Pairs.Any(k => k.Producer == p));
                var (claim, reason) = (rightful, own) switch
                {
                    ({ } p, _) =>
                        (p, "unauthenticated: not signed for ${consumer} (signatures has no '${consumer}:…'): " + p
                            + " did not sign it for this consumer"),
                    (null, { } o) => (o, $"unauthenticated: producer '{o}' may not publish '{row.MessageType}' on "
                        + $"{row.Topic} (only {string.Join(", ", row.Producers)})"),
                    _ => ("", "unauthenticated: not signed (no signatures header)"),
                };
                cases.Add(
                    new Case($"keys-of/{name}/{row.Topic}/{row.MessageType}", row.Topic, row.MessageType, "${open}",
                    new Expectation(groups, reason, "unauthenticated"), Sign: $"keys-of:{service.Name}:{claim}",
                    Body: "{\"forgedBy\":\"" + name + "\"}"));
            }
            cases.AddRange(UnsignedDecisions(name, service.Name, keys.SignsAs, running));
        }
        return cases;
    }

    /// <summary>
    /// Every operator decision on every topic it may go on, as a compromised operator tool (the console, cpctl) could
    /// send it: signed with the tool's <c>operator</c> pair keys, the producer the table allows, but without an
    /// operator's own signature. The pair key says only that an operator tool sent it, never which operator decided:
    /// every consumer of the topic must refuse it. A release of the held prize, a halt and a resume, a cancel of the
    /// open contest, a make-good proposal and confirmation of the settled contest: real decisions, were they signed.
    /// </summary>
    private static IEnumerable<Case> UnsignedDecisions(string name, string service, IReadOnlyList<string> signsAs,
        IReadOnlyList<(string Group, string Topic)> running)
    {
        if (!signsAs.Contains(Producers.Operator, StringComparer.Ordinal)) yield break;
        foreach (var row in PublishRights.Pipeline.Rows.Where(r =>
            r.Producers.Contains(Producers.Operator, StringComparer.Ordinal)))
        {
            var groups = running.Where(g => g.Topic == row.Topic).Select(g => g.Group).ToList();
            if (groups.Count == 0) continue;
            foreach (var (what, key, input) in DecisionBodies[row.MessageType])
                yield return new Case($"keys-of/{name}/{row.Topic}/{row.MessageType}{what}", row.Topic, row.MessageType,
                    key,
                    new Expectation(groups, "unauthenticated: no operator-signatures header: "
                        + "every operator's decision carries its operator's own signature",
                        "unauthenticated"), Input: input, Sign: $"keys-of:{service}:{Producers.Operator}");
        }
    }

    /// <summary>
    /// Each operator decision type: its bodies (<c>Scenarios/InsiderCorpus/</c>) and the key it goes under.
    /// </summary>
    private static readonly Dictionary<string, (string What, string Key, string Input)[]> DecisionBodies = new()
    {
        [ContestDefined.MessageType] = [("", "x-new", "contests/definition.json")],
        [ContestCancelRequested.MessageType] = [("", "${open}", "contests/cancel-open.json")],
        [PlayerLimitsSet.MessageType] = [("", PlayerLimitsSet.KeyFor("ivy"), "contests/limits-raise.json")],
        [PayoutReviewDecided.MessageType] = [("", "${heldPayout}", "payouts.due/release.json")],
        [PayoutDispatchDecided.MessageType] =
        [
            ("-halt", PayoutDispatchDecided.Key, "operator/halt.json"),
            ("-resume", PayoutDispatchDecided.Key, "operator/resume.json"),
        ],
        [AlertAcknowledged.MessageType] = [("", "alice", "operator/alert-acknowledged.json")],
        [AlertResolved.MessageType] = [("", "alice", "operator/alert-resolved.json")],
        [OperatorActed.MessageType] = [("", "alice", "operator/operator-acted.json")],
        [MakeGoodProposed.MessageType] = [("", "${settled}", "operator/make-good-proposed.json")],
        [MakeGoodConfirmed.MessageType] = [("", "${settled}", "operator/make-good-confirmed.json")],
        [ReceivableWriteOffRequested.MessageType] = [("", "${settled}", "operator/write-off-requested.json")],
    };
}
