namespace ContestPipeline.Plumbing.Hosting;

/// <summary>
/// Whether the worker's consume loops run and have joined their groups: the "consumers" health
/// check.
/// </summary>
public sealed class WorkerReadiness
{
    /// <summary>Set once the loops are made: null when every one has joined, else which have not.</summary>
    public Func<string?>? Consumers { get; set; }

    public string? Problem() => Consumers is { } consumers ? consumers() : "starting: nothing running yet";
}
