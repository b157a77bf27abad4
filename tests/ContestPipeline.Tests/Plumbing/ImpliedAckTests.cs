using System.Reflection;
using Confluent.Kafka;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// A delivery report without an error and without an offset is librdkafka's implicit acknowledgement (a later batch
/// of the partition succeeded after this one failed uncertainly): no answer of the broker's said it holds the record,
/// and librdkafka's mock cluster, the local broker, has lost such records, so it counts as not delivered and goes out
/// again (at worst a duplicate, which the inbox skips).
/// </summary>
public sealed class ImpliedAckTests
{
    [Fact]
    public async Task A_success_without_an_offset_is_not_counted_delivered()
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
        var errors = await KafkaClients.ProduceAllAsync(producer, 3, i => ("t", new Message<byte[]?, byte[]?>()),
            TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Null(errors[0]);
        Assert.Contains("acknowledged only by implication on t [3]", errors[1], StringComparison.Ordinal);
        Assert.Equal(new Error(ErrorCode.RequestTimedOut).Reason, errors[2]);
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
