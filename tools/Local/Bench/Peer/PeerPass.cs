using System.Globalization;
using Npgsql;

namespace ContestPipeline.Local.Bench.Peer;

/// <summary>
/// The peer's run of a pair in <c>bench messaging</c>, measured and printed as the pipeline's run is: the same
/// broker, database, message count, keys, body size, transaction size and warm-up, a topic created the same way with
/// the same partitions, and the CPU and WAL counted from the first measured message; then the two side by side.
/// </summary>
public static class PeerPass
{
    public static async Task<(double Rate, bool Ok)?> RunAsync(IMessagingPeer peer, MessagingRun run, int pair,
        BenchReport report, CancellationToken ct)
    {
        var suffix = pair.ToString(CultureInfo.InvariantCulture);
        var topic = "bench.peer." + suffix;
        await run.Broker.Control.CreateTopicAsync(topic, BenchCommand.Partitions);
        long walBefore = 0;
        CpuUse? cpu = null;
        var request = new PeerRunRequest(run.Broker.BootstrapServers, run.DataSource, run.PeerSchema(pair), topic,
            "bench.peer.consumer." + suffix, run.Messages, run.TransactionSize, run.WarmUp, BenchCommand.PayloadBytes,
            BenchCommand.KeyOf, async () =>
            {
                walBefore = await BenchCommand.WalPositionAsync(run.DataSource, ct);
                cpu = CpuUse.Start(new NpgsqlConnectionStringBuilder(run.DataSource.ConnectionString).Database!,
                    [("bench (the peer's writer, sender, listener)", Environment.ProcessId),
                        ("broker", run.Broker.Process.Id)]);
            }, BenchCommand.PhaseTimeout);
        PeerRun result;
        try
        {
            result = await peer.RunAsync(request, ct);
        }
        catch (TimeoutException e)
        {
            Console.WriteLine($"bench FAILED: {e.Message}");
            report.Check(false, $"pair {pair}: {e.Message}");
            return null;
        }
        PrintStages(run.Messages, result);
        cpu!.Print(pair == 1 ? "the peer ran (its settling included)"
            : $"the peer ran, pair {pair} (its settling included)", report);
        var walBytes = await BenchCommand.WalPositionAsync(run.DataSource, ct) - walBefore;
        PrintRun(peer, run, result, walBytes);
        var ok = result.AppliedExactlyOnce(run.Messages, run.WarmUp);
        report.Check(ok, $"pair {pair}: the peer applied {result.EffectRows:N0} of {run.Messages:N0} exactly once "
            + $"(inbox records handled {result.InboxHandled:N0} with the warm-up's, unsent {result.Unsent:N0})");
        return (run.Messages / result.Elapsed.TotalSeconds, ok);
    }

    private static void PrintStages(int messages, PeerRun result) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stages: the outbox written in {result.Written.TotalSeconds:F2} s "
            + $"({messages / result.Written.TotalSeconds:N0} rows/s, {result.AppliedWhenWritten:N0} applied by then); "
            + $"the last applied {(result.Elapsed - result.Written).TotalSeconds:F2} s after"));

    private static void PrintRun(IMessagingPeer peer, MessagingRun run, PeerRun result, long walBytes)
    {
        var messages = run.Messages;
        BenchCommand.Print($"peer: {peer.Name}, unsigned", messages, result.Elapsed);
        Console.WriteLine($"checks: applied {result.EffectRows:N0} of {messages:N0} "
            + $"({result.DistinctEffects:N0} distinct), warm-up {result.WarmUpEffectRows:N0} of {run.WarmUp:N0}, "
            + $"inbox records handled {result.InboxHandled:N0} (the warm-up's included), "
            + $"unsent outbox records {result.Unsent:N0}");
        Console.WriteLine($"storage: the peer's inbox record {result.InboxRecordBytes:F0} bytes on average for a "
            + $"{BenchCommand.PayloadBytes}-byte body");
        Console.WriteLine($"WAL: {walBytes:N0} bytes during the peer's run = {walBytes / messages:N0} bytes per "
            + "message (the whole database cluster's: other writers count too)");
    }

    /// <summary>One pair's two rates and their ratio, as printed after the pair and kept in the report.</summary>
    public static void PrintPair(int pair, int pairs, bool signed, double ours, string peerName, double peer,
        BenchReport report)
    {
        var ratio = (ours / peer).ToString("F2", CultureInfo.InvariantCulture) + "×";
        Console.WriteLine($"pair {pair} of {pairs}: pipeline ({(signed ? "signed" : "unsigned")}) {ours:N0} msgs/s, "
            + $"{peerName} (unsigned) {peer:N0} msgs/s: pipeline/peer {ratio}");
        report.Add($"pair {pair}: pipeline, peer msgs/s", $"{ours:N0}, {peer:N0}");
        report.Add($"pair {pair}: pipeline/peer", ratio);
    }

    /// <summary>
    /// Every pair in which both ran, summed up when there are several: the median ratio, its range, and the peer's
    /// median rate and range.
    /// </summary>
    public static void PrintPairs(IReadOnlyList<(double Ours, double? Peer)> rates, string peerName,
        BenchReport report)
    {
        var both = rates.Where(r => r.Peer is not null).Select(r => (r.Ours, Peer: r.Peer!.Value)).ToList();
        // One pair is summed up by its own line already.
        if (both.Count < 2) return;
        var ratios = both.Select(r => r.Ours / r.Peer).ToList();
        var peers = both.Select(r => r.Peer).ToList();
        var median = Median(ratios).ToString("F2", CultureInfo.InvariantCulture) + "×";
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline/peer: {median} (the median of {both.Count} pairs; {ratios.Min():F2}–{ratios.Max():F2}×); "
            + $"{peerName} {Median(peers):N0} msgs/s ({peers.Min():N0}–{peers.Max():N0})"));
        report.Add($"pipeline/peer (median of {both.Count})", median);
    }

    /// <summary>The middle value, or the mean of the two middle ones for an even count.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
