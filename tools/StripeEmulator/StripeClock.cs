namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Stripe's clock: <see cref="StripeEmulatorOptions.Clock"/> moved on by whatever a test advanced it. Object and
/// event timestamps, account links' expiry and the age of idempotency keys read it. Webhook signatures read the
/// options' clock alone: a receiver checks them against its own clock, which an advance here does not move.
/// </summary>
internal sealed class StripeClock(TimeProvider clock)
{
    private long _advancedTicks;

    public DateTimeOffset UtcNow => clock.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _advancedTicks));

    /// <summary>Now in Unix seconds, as Stripe's objects carry time.</summary>
    public long Now => UtcNow.ToUnixTimeSeconds();

    /// <summary>Moves Stripe's clock on: time never runs backwards.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _advancedTicks, by.Ticks);
    }
}
