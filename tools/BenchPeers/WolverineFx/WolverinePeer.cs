using System.Diagnostics;
using ContestPipeline.Local.Bench.Peer;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace ContestPipeline.BenchPeers.WolverineFx;

/// <summary>
/// The messaging benchmark's flow through WolverineFx: a Wolverine host in this process, configured by
/// <see cref="WolverineSettings"/>, writing through its durable outbox with <see cref="OutboxWriter"/> and applying
/// each message with <see cref="BenchEffectHandler"/> behind its durable inbox.
/// </summary>
public sealed class WolverinePeer : IMessagingPeer
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    // As the pipeline's run polls: a count in memory often, a count in the database the run measures seldom.
    private static readonly TimeSpan PollQuickly = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan PollSlowly = TimeSpan.FromMilliseconds(20);

    public string Name => "WolverineFx " + typeof(IMessageBus).Assembly.GetName().Version?.ToString(3);

    public IReadOnlyList<string> Settings => WolverineSettings.Described;

    public string? GeneratedCodeDirectory => Path.Combine("WolverineFx", "Generated");

    public async Task<PeerRun> RunAsync(PeerRunRequest request, CancellationToken ct)
    {
        var effects = new EffectStore(request.DataSource, request.Schema);
        await effects.CreateAsync(ct);
        try
        {
            using var host = Build(o => WolverineSettings.Apply(o, request.BootstrapServers, request.DataSource,
                request.Schema, request.Topic, request.ConsumerGroup, effects));
            await host.StartAsync(ct);
            var runtime = host.Services.GetRequiredService<IWolverineRuntime>();
            effects.Inbox = (IMessageDatabase)runtime.Storage;
            var writer = new OutboxWriter(runtime, request);
            if (request.WarmUp > 0)
            {
                // The same path with other messages, until all of them are applied and sent: unmeasured.
                await writer.WriteAsync(request.Messages, request.WarmUp, warmUp: true, ct);
                await WaitAsync(async () => effects.Applied >= request.WarmUp && await effects.UnsentAsync(ct) == 0,
                    request.Timeout, "the warm-up", PollSlowly, ct);
            }
            var warm = effects.Applied;
            await request.ClockStarts();
            var watch = Stopwatch.StartNew();
            await writer.WriteAsync(0, request.Messages, warmUp: false, ct);
            var written = watch.Elapsed;
            var appliedWhenWritten = effects.Applied - warm;
            await WaitAsync(() => Task.FromResult(effects.Applied - warm >= request.Messages),
                request.Timeout - written, "every message applied", PollQuickly, ct);
            var elapsed = watch.Elapsed;
            // Wolverine deletes an outbox record once Kafka acknowledged it, which can be after the consumer
            // applied it: give it the time to finish (not counted), as the pipeline's relay is given.
            await WaitAsync(async () => await effects.UnsentAsync(ct) == 0, SettleTimeout, "the outbox emptied",
                PollSlowly, ct);
            await host.StopAsync(ct);
            return await effects.CheckAsync(elapsed, written, appliedWhenWritten, ct);
        }
        finally
        {
            await effects.DropAsync();
        }
    }

    public IReadOnlyList<string> WriteGeneratedCode(string directory)
    {
        // The same configuration as a run's; nothing connects anywhere, since the host is built, not started.
        using var dataSource = NpgsqlDataSource.Create("Host=localhost;Database=codegen");
        using var host = Build(o =>
        {
            WolverineSettings.Apply(o, "localhost:9092", dataSource, "codegen", "bench.peer", "bench.peer",
                new EffectStore(dataSource, "codegen"));
            o.CodeGeneration.GeneratedCodeOutputPath = directory;
        });
        var collections = host.Services.GetServices<ICodeFileCollection>().ToArray();
        var builder = new DynamicCodeBuilder(host.Services, collections)
        {
            ServiceVariableSource = host.Services.GetService<IServiceVariableSource>(),
        };
        var written = new List<string>();
        builder.WriteGeneratedCode(written.Add);
        return written;
    }

    private static IHost Build(Action<WolverineOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Wolverine's warnings and errors on the console, among the bench's lines; its information stays out.
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.UseWolverine(configure);
        return builder.Build();
    }

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan timeout, string what, TimeSpan every,
        CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (!await done())
        {
            if (watch.Elapsed > timeout) throw new TimeoutException($"the Wolverine peer: {what} took over {timeout}");
            await Task.Delay(every, ct);
        }
    }
}
