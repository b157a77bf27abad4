using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;

namespace ContestPipeline.Deployment;

/// <summary>
/// Who shares a pair key with whom, derived from the tables the ACLs and the key material come
/// from: a producer (<see cref="PublishRights"/>) shares one with every consuming service of a
/// topic it may publish on (the worker shapes' consumer groups, <see cref="Workers"/>).
/// </summary>
public static class KeyPairs
{
    /// <summary>The services that consume <paramref name="topic"/>, in ordinal order.</summary>
    public static IReadOnlyList<string> ReadersOf(string topic) =>
        [.. Workers.All.Values.Where(w => topic == Topics.WorkerRewinds
                || w.Consumers.Any(c => c.Topics.Contains(topic, StringComparer.Ordinal)))
            .Select(w => w.Name).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The services <paramref name="producer"/> signs for: the readers of every topic it may publish on.
    /// </summary>
    public static IReadOnlyList<string> ConsumersOf(string producer) =>
        [.. PublishRights.Pipeline.Rows.Where(r => r.Producers.Contains(producer, StringComparer.Ordinal))
            .Select(r => r.Topic).Distinct().SelectMany(ReadersOf).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// The services an operator's own key is issued to: those that check operators' decisions, and every reader of
    /// a signed topic, which checks an operator's re-drive grant before it applies a message it dead-lettered.
    /// </summary>
    public static IReadOnlyList<string> OperatorKeyHolders =>
        [.. ConsumersOf(Producers.Operator).Concat(PublishRights.Pipeline.Topics.SelectMany(ReadersOf))
            .Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every pair some service holds a key of (the union of every service's material): what local set-up generates
    /// and what an operator's secret store must hold.
    /// </summary>
    public static IReadOnlyList<(string Producer, string Consumer)> All =>
        [.. Services.All.Where(s => s.Keys is not null).SelectMany(s => s.Keys!.Pairs).Distinct()
            .OrderBy(p => p.Producer, StringComparer.Ordinal).ThenBy(p => p.Consumer, StringComparer.Ordinal)];
}
