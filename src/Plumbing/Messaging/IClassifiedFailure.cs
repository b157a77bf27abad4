namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// An exception of a dependency's client that knows its own kind (the Stripe client's: a 429,
/// a 5xx or no answer is transient; a refusal is not), so the core need not know the client.
/// </summary>
public interface IClassifiedFailure
{
    FailureKind Kind { get; }
}
