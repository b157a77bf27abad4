using Event = Stripe.Event;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// One family of Stripe's event types and what Payout makes of them, applied by
/// <see cref="StripeEventReceivedHandler"/> in its consume transaction, without calling
/// Stripe (an event that needs a read asks for one: <see cref="ReadRequestStore"/>).
/// </summary>
public interface IStripeEventFamily
{
    IReadOnlyCollection<string> Types { get; }

    /// <summary>Applies the event; returns what was made of it, kept in payout.stripe_events.</summary>
    Task<string> ApplyAsync(Event stripeEvent, HandlerContext context);
}
