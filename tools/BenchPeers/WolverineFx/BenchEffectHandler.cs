using Wolverine;

namespace ContestPipeline.BenchPeers.WolverineFx;

/// <summary>
/// The peer's consumer: Wolverine calls this once per message received on the benchmark's topic, after its durable
/// inbox has stored the message. The effect and the inbox record are the store's to commit together.
/// </summary>
public static class BenchEffectHandler
{
    public static Task HandleAsync(BenchMessageSent message, Envelope envelope, EffectStore effects,
        CancellationToken cancellation) =>
        effects.ApplyAsync(message, envelope, cancellation);
}
