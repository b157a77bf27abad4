namespace ContestPipeline.Plumbing.Messaging;

/// <summary>A dependency the handler must ask (Stripe, the broker) is unavailable for now.</summary>
public sealed class TransientDependencyException(string dependency, Exception inner)
    : Exception($"{dependency} unavailable: {inner.Message}", inner)
{
    public string Dependency { get; } = dependency;
}
