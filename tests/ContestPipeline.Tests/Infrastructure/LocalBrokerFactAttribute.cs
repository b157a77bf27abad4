namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// A test that needs the local broker itself: its fault injection (brokers taken down, request
/// errors, leaders moved) or brokers of its own. Skipped, with that reason, when the run talks to a
/// Kafka container (<see cref="TestBroker.Variable"/>=container).
/// </summary>
public sealed class LocalBrokerFactAttribute : FactAttribute
{
    public LocalBrokerFactAttribute(string needs)
    {
        if (TestBroker.UsesContainer)
            Skip = TestBroker.SkipReason(needs);
    }
}

/// <inheritdoc cref="LocalBrokerFactAttribute"/>
public sealed class LocalBrokerTheoryAttribute : TheoryAttribute
{
    public LocalBrokerTheoryAttribute(string needs)
    {
        if (TestBroker.UsesContainer)
            Skip = TestBroker.SkipReason(needs);
    }
}
