namespace ContestPipeline.Plumbing;

/// <summary>A start-up failure with one line naming what is wrong and where.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
