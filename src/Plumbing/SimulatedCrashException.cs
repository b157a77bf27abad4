namespace ContestPipeline.Plumbing;

/// <summary>Thrown by an in-process crash-point action: the component stops as if killed.</summary>
public sealed class SimulatedCrashException(string point) : Exception($"simulated crash at {point}");
