namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The four kinds of failure, each with one way of being handled by every consume loop and
/// job (<see cref="ErrorPolicy"/>), in the order a handler should think about them.
/// </summary>
public enum FailureKind
{
    /// <summary>
    /// A broken invariant, an illegal transition, a ledger that does not balance, or any
    /// exception nobody classified: the worker stops loudly (a critical alert, exit code 1)
    /// and the message is not committed, so a bug never becomes a dead letter that a replay
    /// later applies. It is fixed and the worker restarted; the message is then applied.
    /// </summary>
    Bug,

    /// <summary>
    /// The database, the broker or Stripe is unavailable: not the message's fault. It is
    /// waited out without spending the message's chances (up to the outage tolerance, after
    /// which the worker stops and is restarted).
    /// </summary>
    Transient,

    /// <summary>Bad input that can never apply as it is: dead-lettered at once with its reason, and alerted.</summary>
    Rejected,

    /// <summary>
    /// Optimistic concurrency: another transaction changed the same rows first (a version
    /// check, a serialization failure, a deadlock). Retried at once with a short backoff; one
    /// that keeps conflicting past <see cref="Limits.ConflictRetriesMax"/> is a bug.
    /// </summary>
    Conflict,
}
