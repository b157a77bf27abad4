namespace ContestPipeline.Local.Bench.Peer;

/// <summary>
/// Another messaging library running the messaging benchmark's flow against the same broker and database: writer
/// transactions of messages through its durable outbox onto a topic, and a consumer applying one effect row per
/// message with its durable inbox record. A peer is built apart (tools/BenchPeers) and loaded by
/// <see cref="MessagingPeers"/>, so that its dependencies reach neither this tool's build nor the tests'.
/// </summary>
public interface IMessagingPeer
{
    /// <summary>What runs, with its version, as printed beside the figures.</summary>
    string Name { get; }

    /// <summary>Each setting the peer runs with and why, one line each, printed before its first run.</summary>
    IReadOnlyList<string> Settings { get; }

    /// <summary>
    /// One run: a warm-up of <see cref="PeerRunRequest.WarmUp"/> messages unmeasured, then the clock, then
    /// <see cref="PeerRunRequest.Messages"/> messages written and applied; the peer's own tables are dropped after.
    /// </summary>
    Task<PeerRun> RunAsync(PeerRunRequest request, CancellationToken ct);

    /// <summary>
    /// Where in tools/BenchPeers the peer's pre-generated code lives, for a peer that loads the code it would
    /// otherwise generate and compile at start; null for a peer that has none.
    /// </summary>
    string? GeneratedCodeDirectory { get; }

    /// <summary>
    /// Writes the code the peer generates at start into <paramref name="directory"/> (its
    /// <see cref="GeneratedCodeDirectory"/>), where its build picks it up; returns the files written.
    /// </summary>
    IReadOnlyList<string> WriteGeneratedCode(string directory);
}
