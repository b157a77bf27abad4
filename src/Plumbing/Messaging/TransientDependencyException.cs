namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Thrown by a handler when a dependency it must ask (Stripe) is unavailable for now. Like
/// an unreachable database, that is not the message's fault: the consume loop waits and
/// retries without spending the message's attempts, so a Stripe outage delays entries
/// instead of dead-lettering them.
/// </summary>
public sealed class TransientDependencyException(string dependency, Exception inner)
    : Exception($"{dependency} unavailable: {inner.Message}", inner)
{
    public string Dependency { get; } = dependency;
}
