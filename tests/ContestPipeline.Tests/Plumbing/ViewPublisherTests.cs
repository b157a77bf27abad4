using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Views (live standings) go straight to the broker, not through an outbox: in order per key, signed so that their
/// readers verify them as they verify what the relay sends, and a round Kafka does not acknowledge fails as an
/// outage of Kafka (the job waits it out and a later round supersedes it), never silently.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ViewPublisherTests(PipelineFixture fixture)
{
    private static readonly SigningKeys Keys = SigningKeys.Of(
        SigningKeys.Generate(Producers.Scoring, "operations", "k1"),
        SigningKeys.Generate(Producers.Scoring, "settlement", "k1"));

    private static OutgoingMessage View(JobContext job, string topic, string contestId, long version) =>
        job.View(Cause.Clock("publish-standings", contestId), topic, contestId, $"standings:{contestId}:live:{version}",
            new StandingsUpdated(contestId, version, 1, [new StandingRow(1, "e1", "p1", version * 1_000)],
                DateTimeOffset.UnixEpoch, null));

    [Fact]
    public async Task Views_reach_the_broker_in_order_per_key_signed_for_every_reader_of_the_topic()
    {
        var topic = await fixture.NewTopicAsync(partitions: 2);
        var rights =
            PublishRights.Pipeline.With(new PublishRight(topic, StandingsUpdated.MessageType, [Producers.Scoring]));
        using var producer = fixture.Producer();
        var job = new JobContext(fixture.DataSource, new OutboxStore("scoring"), TimeProvider.System,
            new ViewPublisher(producer, Keys.SignerFor(Producers.Scoring, rights), TimeSpan.FromSeconds(10)));

        await job.PublishViewsAsync([.. Enumerable.Range(1, 3).SelectMany(v =>
            new[] { View(job, topic, "c1", v), View(job, topic, "c2", v) })], CancellationToken.None);
        await job.PublishViewsAsync([View(job, topic, "c1", 4)], CancellationToken.None);

        var read = fixture.ReadAll(topic, 7);
        Assert.Equal([1L, 2, 3, 4], Versions(read, "c1"));
        Assert.Equal([1L, 2, 3], Versions(read, "c2"));
        foreach (var reader in new[] { "operations", "settlement" })
            Assert.All(read, r => Assert.Null(Keys.Verifier(reader, rights).Refusal(topic, r.Message.Key,
                [.. r.Message.Headers.Select(h => new Header(h.Key, h.GetValueBytes()))], r.Message.Value)));
        // The topic's readers are the worker's; a reader it holds no pair key for cannot verify the view.
        Assert.NotNull(SigningKeys.Of(SigningKeys.Generate(Producers.Scoring, "payout", "k1"))
            .Verifier("payout", rights)
            .Refusal(topic, read[0].Message.Key,
                [.. read[0].Message.Headers.Select(h => new Header(h.Key, h.GetValueBytes()))],
                read[0].Message.Value));
    }

    [Fact]
    public async Task A_round_the_broker_does_not_acknowledge_is_an_outage_of_kafka()
    {
        // Nothing listens there: librdkafka gives up on the view, and the job's error policy sees a transient failure.
        var config = KafkaClients.ProducerConfig("127.0.0.1:1", "views-test");
        config.MessageTimeoutMs = 500;
        using var producer = KafkaClients.Producer(config, NullLogger.Instance);
        var job = new JobContext(fixture.DataSource, new OutboxStore("scoring"), TimeProvider.System,
            new ViewPublisher(producer, null, TimeSpan.FromSeconds(10)));

        var e = await Assert.ThrowsAsync<TransientDependencyException>(() =>
            job.PublishViewsAsync([View(job, "t.nowhere", "c1", 1)], CancellationToken.None));
        Assert.Contains("1 of 1 views not acknowledged", e.Message);
        Assert.Equal(FailureKind.Transient, ErrorPolicy.Classify(e));
    }

    [Fact]
    public async Task A_view_too_large_for_a_message_is_refused_before_anything_is_produced()
    {
        var topic = await fixture.NewTopicAsync(partitions: 1);
        using var producer = fixture.Producer();
        var job = new JobContext(fixture.DataSource, new OutboxStore("scoring"), TimeProvider.System,
            new ViewPublisher(producer, null, TimeSpan.FromSeconds(10)));
        var large = View(job, topic, "c2", 1) with { Payload = new byte[Limits.MessageBytesMax] };

        var e = await Assert.ThrowsAsync<MessageRejectedException>(() =>
            job.PublishViewsAsync([View(job, topic, "c1", 1), large], CancellationToken.None));
        Assert.Contains($"view StandingsUpdated standings:c2:live:1 on {topic}", e.Message);
        Assert.Empty(fixture.ReadToEnd(topic));
    }

    private static List<long> Versions(List<Confluent.Kafka.ConsumeResult<byte[]?, byte[]?>> read, string contestId) =>
        [.. read.Where(r => Encoding.UTF8.GetString(r.Message.Key!) == contestId)
            .Select(r => System.Text.Json.JsonSerializer.Deserialize<StandingsUpdated>(r.Message.Value,
                OutgoingMessage.Json)!.Version)];
}
