namespace ContestPipeline.StripeEmulation;

/// <summary>
/// What every resource of the emulated account shares: the one lock they all live behind (an idempotency check,
/// the operation it guards and the saved answer happen as one step, and a transfer moves two balances at once),
/// Stripe's clock, the ids and the log of events.
/// </summary>
internal sealed record EmulatorCore(Lock Gate, StripeClock Clock, ObjectIds Ids, EventLog Events);
