using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The consumers' fetch wait: the default, a setting in its bounds, and a clear refusal of any other.
/// </summary>
public sealed class FetchWaitTests
{
    [Theory]
    [InlineData(null, KafkaClients.FetchWaitDefaultMs)]
    [InlineData("", KafkaClients.FetchWaitDefaultMs)]
    [InlineData("200", 200)]
    [InlineData("1", 1)]
    [InlineData("500", 500)]
    public void An_unset_wait_is_the_default_and_a_set_one_is_taken(string? value, int expected) =>
        Assert.Equal(expected, KafkaClients.FetchWaitMs(value));

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("2e2")]
    public void Any_other_value_is_refused_naming_the_variable_and_its_bounds(string value)
    {
        var refused = Assert.Throws<ArgumentException>(() => KafkaClients.FetchWaitMs(value));
        Assert.StartsWith($"CONTESTPIPELINE_KAFKA_FETCH_WAIT_MS is '{value}': a whole number of milliseconds from 1 "
            + "to 500", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_suite_runs_with_the_long_wait_its_run_command_sets() =>
        Assert.Equal("200", Environment.GetEnvironmentVariable(KafkaClients.FetchWaitVariable));
}
