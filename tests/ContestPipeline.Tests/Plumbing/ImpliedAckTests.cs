using System.Reflection;
using Confluent.Kafka;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// A delivery report without an error and without an offset is librdkafka's implicit acknowledgement (a later batch
/// of the partition succeeded after this one failed uncertainly): it counts as delivered, as on a real broker it is,
/// and is told apart, because librdkafka's mock cluster, the local broker, does not guarantee it.
/// </summary>
public sealed class ImpliedAckTests
{
    [Fact]
    public async Task A_success_without_an_offset_is_delivered_and_told_apart()
    {
        var producer = ScriptedProducer.Create(
        [
            new DeliveryReport<byte[]?, byte[]?>
            {
                TopicPartitionOffset = new(new("t", 3), 7), Error = new Error(ErrorCode.NoError),
            },
            new DeliveryReport<byte[]?, byte[]?>
            {
                TopicPartitionOffset = new(new("t", 3), Offset.Unset), Error = new Error(ErrorCode.NoError),
            },
            new DeliveryReport<byte[]?, byte[]?>
            {
                TopicPartitionOffset = new(new("t", 3), Offset.Unset), Error = new Error(ErrorCode.RequestTimedOut),
            },
        ]);
        var implied = new List<(int Index, TopicPartition At)>();

        var errors = await KafkaClients.ProduceAllAsync(producer, 3, i => ("t", new Message<byte[]?, byte[]?>()),
            TimeSpan.FromSeconds(5), CancellationToken.None, (i, at) => implied.Add((i, at)));

        Assert.Null(errors[0]);
        Assert.Null(errors[1]);
        Assert.NotNull(errors[2]);
        Assert.Equal([(1, new TopicPartition("t", 3))], implied);
    }

    [Fact]
    public void Only_a_missing_offset_is_an_implied_ack()
    {
        Assert.True(KafkaClients.ImpliedAck(Offset.Unset));
        Assert.False(KafkaClients.ImpliedAck(new Offset(0)));
        Assert.False(KafkaClients.ImpliedAck(new Offset(41)));
    }

    /// <summary>A producer that answers the i-th record it is given with the i-th report, at once.</summary>
    public class ScriptedProducer : DispatchProxy
    {
        private IReadOnlyList<DeliveryReport<byte[]?, byte[]?>> _reports = [];
        private int _next;

        public static IProducer<byte[]?, byte[]?> Create(IReadOnlyList<DeliveryReport<byte[]?, byte[]?>> reports)
        {
            var producer = DispatchProxy.Create<IProducer<byte[]?, byte[]?>, ScriptedProducer>();
            ((ScriptedProducer)(object)producer)._reports = reports;
            return producer;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            switch (method?.Name)
            {
                case "Produce" when args is [string, _, Action<DeliveryReport<byte[]?, byte[]?>> handler]:
                    handler(_reports[_next++]);
                    return null;
                case "Flush":
                    return 0;
                default:
                    throw new NotSupportedException(method?.Name);
            }
        }
    }
}
