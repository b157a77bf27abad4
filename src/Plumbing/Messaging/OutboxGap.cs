namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Ids at or below the relay's mark that it has not read: <see cref="From"/> to <see cref="To"/>,
/// inclusive. A transaction whose id is below <see cref="Horizon"/> may still commit rows there;
/// once none is running, an id the relay still cannot read was never used (a rollback, a
/// duplicate turned away) and never will be.
/// </summary>
public readonly record struct OutboxGap(long From, long To, long Horizon);
