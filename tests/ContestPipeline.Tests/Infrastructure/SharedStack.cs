namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// One stack for every case of a test class (a class fixture): started by the first case that asks, with its
/// collection's <see cref="PipelineFixture"/> (which xUnit 2 cannot hand to a class fixture), and stopped when
/// the class is done. The cases of a scenario then share a deployment's processes and its wait for a lock, each
/// working on contests of its own. A start that failed fails every case that asks, with its own error.
/// </summary>
public abstract class SharedStack<T> : IAsyncLifetime where T : class, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task<T>? _started;

    /// <summary>Starts the stack; disposes whatever it started if it fails part of the way.</summary>
    protected abstract Task<T> StartAsync(PipelineFixture fixture);

    public Task<T> GetAsync(PipelineFixture fixture)
    {
        lock (_gate) return _started ??= StartAsync(fixture);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_started is { IsCompletedSuccessfully: true }) await (await _started).DisposeAsync();
    }
}
