namespace ContestPipeline.Plumbing.Messaging;

/// <summary>A bug or broken invariant: the worker stops loudly instead of carrying on.</summary>
public sealed class InvariantViolatedException(string message, Exception? inner = null) : Exception(message, inner);
