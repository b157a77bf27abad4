using System.Runtime.Loader;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Local.Bench.Peer;

/// <summary>
/// The messaging benchmark's peers by name. Each is built by tools/BenchPeers, which nothing references, and loaded
/// from that build output into this process when a run asks for it: what this tool has loaded already (Npgsql,
/// Confluent.Kafka, this tool itself) is shared with the peer, and what only the peer needs is found beside it.
/// </summary>
public static class MessagingPeers
{
    private static readonly Dictionary<string, string> TypeByName = new(StringComparer.Ordinal)
    {
        ["wolverine"] = "ContestPipeline.BenchPeers.WolverineFx.WolverinePeer",
    };

    private static AssemblyDependencyResolver? _resolver;

    public static IReadOnlyCollection<string> Names => TypeByName.Keys;

    /// <summary>The peer named <paramref name="name"/> (one of <see cref="Names"/>), from its build output.</summary>
    public static IMessagingPeer Load(string name)
    {
        if (!TypeByName.TryGetValue(name, out var typeName))
            throw new ArgumentException($"no messaging peer '{name}' (known: {string.Join(", ", Names)})",
                nameof(name));
        var path = RepoPaths.BenchPeersDll;
        if (_resolver is null)
        {
            _resolver = new AssemblyDependencyResolver(path);
            AssemblyLoadContext.Default.Resolving += (context, assembly) =>
                _resolver.ResolveAssemblyToPath(assembly) is { } found ? context.LoadFromAssemblyPath(found) : null;
        }
        var type = AssemblyLoadContext.Default.LoadFromAssemblyPath(path).GetType(typeName, throwOnError: true)!;
        return (IMessagingPeer)Activator.CreateInstance(type)!;
    }
}
