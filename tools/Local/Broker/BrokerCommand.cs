using System.Runtime.InteropServices;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Local.Broker;

/// <summary>
/// cpdev broker: hosts librdkafka's mock cluster (the local Kafka-protocol broker) with
/// every topic of the topic list created (<see cref="TopicCatalog.ForLocalBroker"/>; none with
/// <c>--empty</c>, for trying cpctl topics apply), and a control endpoint on 127.0.0.1 for fault injection.
/// Writes its bootstrap servers and control URL to the state file, and removes it on exit.
/// </summary>
public static class BrokerCommand
{
    public static async Task<int> RunAsync(int brokers, int partitions, string stateFile, CancellationToken ct,
        bool empty = false)
    {
        LocalBroker broker;
        try
        {
            broker = new LocalBroker(brokers);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync("broker: " + e.Message);
            return Plumbing.Hosting.PipelineWorker.ExitStartupFailed;
        }
        using var _ = broker;
        // The topic list, provisioned as cpctl topics apply would; the mock would otherwise
        // auto-create a topic on first use, which production never does.
        if (!empty)
            foreach (var spec in TopicCatalog.ForLocalBroker(brokers, partitions))
                broker.CreateTopic(spec.Name, spec.Partitions, spec.ReplicationFactor);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        var gate = new Lock();
        IResult Do(Action action)
        {
            try
            {
                lock (gate) action();
                return Results.Ok(new { ok = true });
            }
            catch (InvalidOperationException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }
        }
        app.MapGet("/health", () => Results.Ok(new { broker.BootstrapServers, broker.BrokerCount }));
        app.MapPost("/topics/{topic}", (string topic, int? partitions, int? replication) =>
            Do(() => broker.CreateTopic(topic, partitions ?? Topics.PartitionCountDefault, replication ?? 3)));
        app.MapPost("/brokers/{id:int}/down", (int id) => Do(() => broker.SetBrokerDown(id)));
        app.MapPost("/brokers/{id:int}/up", (int id) => Do(() => broker.SetBrokerUp(id)));
        app.MapPost("/topics/{topic}/partitions/{partition:int}/leader",
            (string topic, int partition, [FromQuery(Name = "broker")] int brokerId) =>
            Do(() => broker.SetPartitionLeader(topic, partition, brokerId)));
        app.MapPost("/groups/initial-rebalance-delay", (int ms) => Do(() => broker.SetInitialRebalanceDelay(ms)));
        app.MapPost("/errors/{apiKey:int}", (short apiKey, string codes) =>
            Do(() => broker.PushRequestErrors(apiKey, codes.Split(',').Select(int.Parse).ToArray())));
        await app.StartAsync(ct);
        var controlUrl =
            app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        new BrokerState(broker.BootstrapServers, controlUrl, Environment.ProcessId, brokers).Write(stateFile);
        Console.WriteLine($"local Kafka-protocol broker: {broker.BootstrapServers} ({brokers} brokers, "
            + $"librdkafka {KafkaNative.Version} mock cluster)");
        Console.WriteLine($"control: {controlUrl}   state file: {stateFile}   stop with Ctrl-C or SIGTERM");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM,
            c => { c.Cancel = true; stop.Cancel(); });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (BrokerState.TryRead(stateFile)?.ProcessId == Environment.ProcessId) File.Delete(stateFile);
            await app.StopAsync(CancellationToken.None);
        }
        Console.WriteLine("local broker stopped");
        return 0;
    }
}
