using ContestPipeline.Plumbing;
using JasperFx;
using JasperFx.CodeGeneration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.Kafka;
using Wolverine.Postgresql;

namespace ContestPipeline.BenchPeers.WolverineFx;

/// <summary>
/// How the peer configures Wolverine: its recommended durable settings for a Kafka endpoint on Postgres (durable
/// outbox and inbox on the Kafka endpoints, Postgres message storage), its defaults elsewhere, and what this machine's
/// broker needs. <see cref="Described"/> says each setting and why, as the bench prints it; keep the two together.
/// </summary>
public static class WolverineSettings
{
    /// <summary>Where the generated handler code lives, for <see cref="TypeLoadMode.Static"/>.</summary>
    public const string GeneratedNamespace = "ContestPipeline.BenchPeers.WolverineFx.Generated";

    public static IReadOnlyList<string> Described { get; } =
    [
        "durable outbox on the Kafka publishing endpoint (UseDurableOutbox): each message is stored in Postgres in "
            + "the writer's transaction and sent after it commits (Wolverine: outgoing endpoints must be made durable)",
        "durable inbox on the Kafka listener (UseDurableInbox): Wolverine's recommended Kafka configuration for "
            + "at-least-once; each message is stored before its offset is committed and deduplicated by its id",
        "Postgres message storage (PersistMessagesWithPostgresql) on the bench's data source, in the run's schema",
        "writer: a MessageContext enlisted in the writer's Npgsql transaction (DatabaseEnvelopeTransaction), flushed "
            + "after commit: Wolverine's DbContextOutbox mechanics without EF Core",
        "handler: the effect row and its inbox record marked handled in one transaction, as Wolverine's EF Core "
            + "transactional middleware does it (raw Npgsql has no such middleware)",
        "idempotent producer (UseIdempotentProducer, acks=all): Wolverine's advice for Kafka, as the pipeline's relay",
        "Kafka defaults otherwise: offsets stored then auto-committed, 100 messages a receive, 5 handlers at once "
            + "(max(cores, 5)), buffering limits 1,000/500, sender batches of 100 (250 ms), System.Text.Json bodies",
        "no AutoProvision: the local broker has no controller, so the bench creates the topic (16 partitions) "
            + "through the broker host (rd_kafka_mock_topic_create), as it does the pipeline's",
        "consumers start at the earliest offset (BeginAtEarliest), a group of the run's own, session 6 s and "
            + "heartbeat 1 s as the pipeline's (the local broker drops a member only when its session times out)",
        "durability mode Balanced (the default, for production; Solo is Wolverine's development mode)",
        "code generation Static, pre-generated into tools/BenchPeers (Wolverine's production recommendation; "
            + "./run cpdev bench peer-code wolverine rewrites it)",
        "handled inbox records kept 5 minutes (KeepAfterMessageHandling, the default): none is deleted in a run",
    ];

    public static void Apply(WolverineOptions opts, string bootstrapServers, NpgsqlDataSource dataSource,
        string schema, string topic, string consumerGroup, EffectStore effects)
    {
        opts.ServiceName = "bench-peer";
        opts.ApplicationAssembly = typeof(WolverineSettings).Assembly;
        opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Static;
        opts.CodeGeneration.GeneratedNamespace = GeneratedNamespace;
        // The bench's one handler; nothing else in this assembly is one.
        opts.Discovery.DisableConventionalDiscovery().IncludeType(typeof(BenchEffectHandler));
        opts.PersistMessagesWithPostgresql(dataSource, schema);
        opts.AutoBuildMessageStorageOnStartup = AutoCreate.CreateOrUpdate;
        opts.UseKafka(bootstrapServers)
            .UseIdempotentProducer()
            .BeginAtEarliest()
            .ConfigureConsumers(c =>
            {
                c.GroupId = consumerGroup;
                c.SessionTimeoutMs = Limits.KafkaSessionTimeoutMs;
                c.HeartbeatIntervalMs = Limits.KafkaHeartbeatIntervalMs;
            });
        opts.PublishMessage<BenchMessageSent>().ToKafkaTopic(topic).UseDurableOutbox();
        opts.ListenToKafkaTopic(topic).UseDurableInbox();
        effects.KeepAfterHandling = opts.Durability.KeepAfterMessageHandling;
        opts.Services.AddSingleton(effects);
    }
}
