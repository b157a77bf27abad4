namespace ContestPipeline.Contracts.Stripe;

/// <summary>
/// A Stripe event whose signature the webhook receiver verified (topic <c>stripe.events</c>,
/// key: the id of the Stripe object the event is about, so one object's events stay in
/// order). The body is Stripe's event JSON, byte for byte as Stripe sent it; the message id
/// is the Stripe event id (evt_...), so Stripe's duplicate deliveries of one event are one
/// message to a consumer's inbox. Every event type is forwarded, known or not: the consumer
/// decides what it handles.
/// </summary>
public static class StripeEventReceived
{
    public const string MessageType = "StripeEventReceived";
    public const int SchemaVersion = 1;

    /// <summary>
    /// Header: Stripe's event type (transfer.created, payout.paid, ...), so consumers can filter without parsing.
    /// </summary>
    public const string EventTypeHeader = "stripe-event-type";

    /// <summary>
    /// Header: the connected account (acct_...) of a Connect event; absent for the platform's own events.
    /// </summary>
    public const string AccountHeader = "stripe-account";
}
