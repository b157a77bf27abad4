using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ContestPipeline.Scoring.Boards;

/// <summary>
/// Which live boards this instance keeps: those of the contests whose timeline is on a
/// partition of <c>contest.lifecycle</c> its lifecycle consumer holds. A partition gained is
/// loaded from the database before any of its messages is handled; a partition lost is
/// dropped (its new owner loads it). One instance holds every partition, and so every board. Partitions of
/// <c>games</c> gained make the boards wait for the next read-back before they publish again.
/// </summary>
public sealed class BoardPartitions(NpgsqlDataSource dataSource, LiveBoards boards,
    ILogger<BoardPartitions> logger) : IPartitionOwner
{
    /// <summary>How long a partition's boards may take to load before the worker gives up (and is restarted).</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(5);

    public void Assigned(IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        // Game facts go on from what the partitions' previous owner committed: read back before boards publish.
        if (partitions.Any(p => p.Topic == Topics.Games)) boards.GamesReassigned();
        var mine = partitions.Where(p => p.Topic == Topics.ContestLifecycle).Select(p => p.Partition).ToList();
        if (mine.Count == 0) return;
        // On the consume loop's thread, on purpose: no message of these partitions is handled before their boards are
        // in.
        using var timeout = new CancellationTokenSource(LoadTimeout);
        BoardStore.LoadLiveBoardsAsync(dataSource, boards, mine, timeout.Token).GetAwaiter().GetResult();
        logger.LogInformation("Live boards of contest.lifecycle partitions {Partitions} loaded",
            string.Join(", ", mine));
    }

    public void Revoked(IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        var lost = partitions.Where(p => p.Topic == Topics.ContestLifecycle).Select(p => p.Partition).ToHashSet();
        if (lost.Count == 0) return;
        boards.DropPartitions(lost);
        logger.LogInformation("Live boards of contest.lifecycle partitions {Partitions} dropped",
            string.Join(", ", lost));
    }
}
