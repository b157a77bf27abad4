namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Work driven by the clock rather than by a message: a contest reaching its lock time, a
/// feed gap expiring, live standings due, a payout to send. A run does its work in one or
/// more transactions through <see cref="JobContext"/>, each with a handler's powers (the
/// outbox, after-commit actions); work that must happen between two transactions, such as a
/// Stripe call, happens between them.
/// </summary>
public interface IJob
{
    /// <summary>
    /// A verb phrase naming the work, e.g. <c>close-entries</c>; also the cause of what it
    /// publishes.
    /// </summary>
    string Name { get; }

    /// <summary>How long to wait after a run that found nothing to do.</summary>
    TimeSpan Interval { get; }

    /// <summary>
    /// True for a job that must run every <see cref="Interval"/> however quiet its worker is: a heartbeat other
    /// processes count on (the Stripe budget pool's). Any other job polls slower while nothing is written in its
    /// schema, up to <see cref="Limits.IdlePollMaxMs"/>, and is back at its interval as soon as something is
    /// (<see cref="Wakeup"/>).
    /// </summary>
    bool KeepsPace => false;

    /// <summary>One run; true when it found work, so the next run starts at once.</summary>
    Task<bool> RunAsync(JobContext context, CancellationToken ct);
}
