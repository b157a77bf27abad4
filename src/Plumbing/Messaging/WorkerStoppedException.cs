namespace ContestPipeline.Plumbing.Messaging;

/// <summary>Thrown out of a consume loop or job after a bug was alerted: the worker stops with it.</summary>
public sealed class WorkerStoppedException(string message, Exception inner) : Exception(message, inner);
