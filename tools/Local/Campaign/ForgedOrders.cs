using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.StripeEmulation;
using Microsoft.Extensions.Logging.Abstractions;
using Header = ContestPipeline.Plumbing.Messaging.Header;

namespace ContestPipeline.Local.Campaign;

/// <summary>
/// Forged prize orders put straight onto <c>payouts.due</c> while the campaign runs, each naming
/// a player who can receive money: unsigned (an outsider with a plain producer), signed with a
/// key that is not Settlement's, signed by a real producer that may not order prizes
/// (Ingestion), a genuine order of one contest replayed onto another, signed with exactly the keys
/// the read model's, the console's or the webhook receiver's identity gives it, or a release signed
/// with the console's pair key but no operator's own signature. Every one must be
/// dead-lettered as unauthenticated and none paid; both are read from the topic's dead
/// letters and the Stripe server's own transfers.
/// </summary>
public sealed class ForgedOrders(string bootstrapServers, OutsideWorld world, IReadOnlyList<string> contests,
    IReadOnlyList<string> players, Random random)
    : IDisposable
{
    public static IReadOnlyList<string> Kinds { get; } =
        ["unsigned", "wrong key", "wrong producer", "replayed onto another contest",
            "signed with the read model's keys",
            "signed with the console's keys", "signed with the webhook receiver's keys",
            "a release without an operator's signature"];

    private readonly IProducer<byte[]?, byte[]?> _producer =
        KafkaClients.Producer(KafkaClients.ProducerConfig(bootstrapServers, "forger"), NullLogger.Instance);
    private readonly SigningKeys _attacker =
        SigningKeys.Of(SigningKeys.Generate(Producers.Settlement, Workers.Payout.Name));
    private readonly List<Forgery> _sent = [];
    private readonly Lock _gate = new();
    private int _next;

    private readonly Dictionary<string, SigningKeys> _keysOf = [];

    /// <summary>The key folder a service's identity gives it (src/Deployment/Services.cs), laid out as a local
    /// process's is.</summary>
    private SigningKeys KeysOf(ServiceIdentity service)
    {
        if (_keysOf.TryGetValue(service.Name, out var keys)) return keys;
        var folder = Path.Combine(Path.GetTempPath(), "cp-forger-keys-" + Guid.NewGuid().ToString("N"));
        KeyMaterialFiles.Write(service.Keys!, LocalSigningKeys.Directory, folder);
        keys = SigningKeys.Load(folder);
        Directory.Delete(folder, recursive: true);
        return _keysOf[service.Name] = keys;
    }

    private sealed record Forgery(string Kind, int Partition, long Offset, string PayoutId, bool Replayed);

    public int Sent
    {
        get { lock (_gate) return _sent.Count; }
    }

    /// <summary>Forges one order every <paramref name="every"/> on average until cancelled.</summary>
    public async Task RunAsync(TimeSpan every, Action<string> log, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every * (0.5 + random.NextDouble()), ct);
                log($"[chaos] forged order: {await SendAsync(Kinds[_next++ % Kinds.Count], ct)}");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One of each kind, once the slate is paid (a replay then has genuine orders to copy).</summary>
    public async Task SendOneOfEachAsync(Action<string> log, CancellationToken ct)
    {
        foreach (var kind in Kinds) log($"[campaign] forged order: {await SendAsync(kind, ct)}");
    }

    private async Task<string> SendAsync(string kind, CancellationToken ct)
    {
        var contest = contests[random.Next(contests.Count)];
        var player = players[random.Next(players.Count)];
        var net = 100L * (1 + random.Next(600));
        var payoutId = "forged_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var order = new PrizePayoutOrdered(payoutId, contest, "entry_forged_" + player, player, 1, net, 0, net, "USD");
        var message = OutgoingMessage.Create(Topics.PayoutsDue, contest,
            new Envelope(payoutId, PrizePayoutOrdered.MessageType, PrizePayoutOrdered.SchemaVersion, payoutId, null,
                DateTimeOffset.UtcNow), order);
        var draft = new Draft(kind, contest, player, net, payoutId, message.Key, message.Payload, message.Headers);
        switch (kind)
        {
            case "a release without an operator's signature":
                draft = ReleaseWithoutOperator(draft);
                break;
            case "replayed onto another contest":
                if (Replayed(draft) is not { } replayed) return await SendAsync("unsigned", ct);
                draft = replayed;
                break;
            default:
                draft = draft with { Headers = Signed(kind, draft.Key, draft.Body, draft.Headers) };
                break;
        }
        return await ProduceAsync(draft, ct);
    }

    /// <summary>A forgery as it is sent: its record, and what the log line says of it.</summary>
    private sealed record Draft(string Kind, string Contest, string Player, long Net, string PayoutId, byte[]? Key,
        byte[]? Body, IReadOnlyList<Header> Headers, bool Replayed = false);

    /// <summary>The headers of a forgery of a kind whose forgery is its signature (unsigned: left as they
    /// are).</summary>
    private IReadOnlyList<Header> Signed(string kind, byte[]? key, byte[]? body, IReadOnlyList<Header> headers)
    {
        switch (kind)
        {
            case "wrong key":
                return _attacker.SignerFor(Producers.Settlement).Sign(Topics.PayoutsDue, key, headers, body);
            case "signed with the read model's keys":
                // A compromised read model: it verifies Settlement's orders, so it holds (settlement, operations), and
                // exactly what its identity gives it besides. It signs as Settlement; Payout must refuse it.
                return KeysOf(Services.Operations).SignerFor(Producers.Settlement)
                    .Sign(Topics.PayoutsDue, key, headers, body);
            case "signed with the console's keys":
                // A compromised console: it holds the operator tools' pair keys, and operators may not order prizes.
                return KeysOf(Services.Console).SignerFor(Producers.Operator)
                    .Sign(Topics.PayoutsDue, key, headers, body);
            case "signed with the webhook receiver's keys":
                return KeysOf(Services.Webhooks).SignerFor(Producers.Webhooks)
                    .Sign(Topics.PayoutsDue, key, headers, body);
            case "wrong producer":
                return world.Sign(Producers.Ingestion, Topics.PayoutsDue, key, body, headers);
            default:
                return headers;
        }
    }

    /// <summary>
    /// The console's pair key says an operator tool sent it, not which operator decided: Payout must refuse it. It
    /// releases the forged payout; the decision is recorded under its own id, which no transfer has.
    /// </summary>
    private Draft ReleaseWithoutOperator(Draft order)
    {
        var release = new PayoutReviewDecided("forged_release_" + order.PayoutId, order.PayoutId, order.Contest,
            PayoutReviewDecided.Release,
            "mallory", "forged", DateTimeOffset.UtcNow);
        var decision = OutgoingMessage.Create(Topics.PayoutsDue, order.Contest, new Envelope(release.DecisionId,
            PayoutReviewDecided.MessageType, PayoutReviewDecided.SchemaVersion, release.DecisionId, null,
            DateTimeOffset.UtcNow), release);
        var headers = KeysOf(Services.Console).SignerFor(Producers.Operator)
            .Sign(Topics.PayoutsDue, decision.Key, decision.Headers, decision.Payload);
        return order with
        {
            Key = decision.Key, Body = decision.Payload, Headers = headers, PayoutId = release.DecisionId,
        };
    }

    /// <summary>
    /// A genuine order of one contest replayed onto another; null when there is none to copy (or the topic could
    /// not be read).
    /// </summary>
    private Draft? Replayed(Draft order)
    {
        // A genuine order is one that verifies: Settlement's, not one of the forgeries before it.
        List<ConsumeResult<byte[]?, byte[]?>> records;
        try
        {
            records = world.ReadRecords(Topics.PayoutsDue);
        }
        catch (KafkaException)
        {
            // The topic could not be read while the campaign had a broker down: forge another kind this time.
            return null;
        }
        var genuine = records.LastOrDefault(r =>
            r.Message.Headers.TryGetLastBytes(MessageHeaders.Type, out var t)
            && Encoding.UTF8.GetString(t) == PrizePayoutOrdered.MessageType
            && world.Keys.Verifier(Workers.Payout.Name).Refusal(Topics.PayoutsDue, r.Message.Key,
                IncomingMessage.HeadersOf(r.Message.Headers), r.Message.Value) is null);
        if (genuine is null) return null;
        var from = Encoding.UTF8.GetString(genuine.Message.Key ?? []);
        var contest = contests.FirstOrDefault(c => c != from) ?? from + "-elsewhere";
        return order with
        {
            Key = Encoding.UTF8.GetBytes(contest), Body = genuine.Message.Value,
            Headers = IncomingMessage.HeadersOf(genuine.Message.Headers), Contest = contest,
            PayoutId = Encoding.UTF8.GetString(genuine.Message.Headers.GetLastBytes(MessageHeaders.MessageId)),
            Player = "(as ordered)", Net = 0, Replayed = true, Kind = $"{order.Kind} ({from} → {contest})",
        };
    }

    /// <summary>Puts a forgery onto <c>payouts.due</c>, again while the broker is down, and records it.</summary>
    private async Task<string> ProduceAsync(Draft d, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var r = await _producer.ProduceAsync(Topics.PayoutsDue, new Message<byte[]?, byte[]?> { Key = d.Key,
                    Value = d.Body, Headers = KafkaClients.Headers(d.Headers) }, ct);
                lock (_gate) _sent.Add(new Forgery(d.Kind, r.Partition.Value, r.Offset.Value, d.PayoutId, d.Replayed));
                return string.Create(CultureInfo.InvariantCulture,
                    $"{d.Kind}: {d.PayoutId} to {d.Player}{(d.Replayed ? "" : $" for {d.Net / 100}.{d.Net % 100:00}")} "
                        + $"in {d.Contest} at payouts.due/{r.Partition.Value}@{r.Offset.Value}");
            }
            catch (ProduceException<byte[]?, byte[]?>) when (attempt < 5)
            {
                // The broker is down for a moment (a fault of the campaign's own): the forger tries again.
                await Task.Delay(1_000, ct);
            }
        }
    }

    /// <summary>
    /// Waits (at most <paramref name="patience"/>) until every forgery is dead-lettered; returns how
    /// many were refused as unauthenticated, and how many were paid by Stripe's own records.
    /// </summary>
    public async Task<(int Refused, int Paid, IReadOnlyList<string> Problems)> CheckAsync(
        IReadOnlyList<RecordedTransfer> transfers, TimeSpan patience, CancellationToken ct)
    {
        List<Forgery> sent;
        lock (_gate) sent = [.. _sent];
        var watch = Stopwatch.StartNew();
        var refused = new HashSet<Forgery>();
        var problems = new List<string>();
        var missing = new List<Forgery>();
        while (true)
        {
            refused.Clear();
            problems.Clear();
            missing.Clear();
            var letters = world.ReadRecords(Topics.DeadLetter(Topics.PayoutsDue)).Select(r => (
                Where: Text(r, MessageHeaders.DeadLetterOriginalTopic) + "/" +
                    Text(r, MessageHeaders.DeadLetterOriginalPartition) + "@" +
                    Text(r, MessageHeaders.DeadLetterOriginalOffset),
                Reason: Text(r, MessageHeaders.DeadLetterReason))).ToList();
            foreach (var f in sent)
            {
                var letter = letters.FirstOrDefault(l => l.Where == string.Create(CultureInfo.InvariantCulture,
                    $"{Topics.PayoutsDue}/{f.Partition}@{f.Offset}"));
                if (letter.Reason is null) missing.Add(f);
                else if (!letter.Reason.StartsWith(MessageVerifier.Refused, StringComparison.Ordinal))
                    problems.Add(
                        $"forged order ({f.Kind}) dead-lettered for '{letter.Reason}', not as unauthenticated");
                else refused.Add(f);
            }
            if (problems.Count + missing.Count == 0 || watch.Elapsed > patience) break;
            await Task.Delay(1_000, ct);
        }
        if (missing.Count > 0)
        {
            var orders = ReadOrders();
            foreach (var f in missing)
                problems.Add($"forged order ({f.Kind}) at payouts.due/{f.Partition}@{f.Offset} not dead-lettered: "
                    + Explain(f, orders));
        }
        var byPayout = transfers.GroupBy(t => t.Metadata.GetValueOrDefault("payout_id") ?? "")
            .ToDictionary(g => g.Key, g => g.Count());
        // A forged id paid at all is a forged payment; a replayed genuine id paid more than once is one too.
        var paid = sent.Where(f => !f.Replayed).Sum(f => byPayout.GetValueOrDefault(f.PayoutId))
            + sent.Where(f => f.Replayed).Select(f => f.PayoutId).Distinct()
                .Sum(id => Math.Max(0, byPayout.GetValueOrDefault(id) - 1));
        return (refused.Count, paid, problems);
    }

    /// <summary>
    /// What the broker and Payout hold of a forgery that was not dead-lettered, so that a failed
    /// check says where it was lost: the record at its place, Payout's inbox row and dead letter
    /// for that place, and the orders group's committed offset.
    /// </summary>
    public Func<int, long, string>? Witness { get; init; }

    /// <summary>What payouts.due holds now, or null when it could not be read (the explanation says so).</summary>
    private List<ConsumeResult<byte[]?, byte[]?>>? ReadOrders()
    {
        try
        {
            return world.ReadRecords(Topics.PayoutsDue);
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    private string Explain(Forgery f, List<ConsumeResult<byte[]?, byte[]?>>? orders)
    {
        try
        {
            var record = orders?.FirstOrDefault(r => r.Partition.Value == f.Partition && r.Offset.Value == f.Offset);
            var held = orders is null ? "payouts.due could not be read"
                : record is null ? "the broker holds no record there"
                : $"the broker holds {Text(record, MessageHeaders.Type) ?? "an untyped record"} "
                    + $"{Text(record, MessageHeaders.MessageId) ?? "without a message id"} there";
            return Witness is null ? held : held + "; " + Witness(f.Partition, f.Offset);
        }
        catch (Exception e)
        {
            return $"where it was lost could not be read: {e.GetType().Name}: {e.Message}";
        }
    }

    private static string? Text(ConsumeResult<byte[]?, byte[]?> r, string header) =>
        r.Message.Headers.TryGetLastBytes(header, out var b) ? Encoding.UTF8.GetString(b) : null;

    public void Dispose() => _producer.Dispose();
}
