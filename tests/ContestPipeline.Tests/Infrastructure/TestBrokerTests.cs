namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// The Kafka container is asked for, never fallen back from: where Docker cannot be reached, the
/// run says so in one line naming the switch, instead of quietly using the local broker.
/// </summary>
public sealed class TestBrokerTests
{
    [Fact]
    public async Task Asked_for_a_Kafka_container_where_Docker_is_not_reachable_it_says_so_in_one_line()
    {
        var nowhere = "unix://" + Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => TestBroker.StartContainerAsync(nowhere));

        var expected = $"{TestBroker.Variable}=container: no Kafka container ({TestBroker.Image}) could be started: ";
        Assert.StartsWith(expected, e.Message);
        Assert.EndsWith("to use the local broker", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
