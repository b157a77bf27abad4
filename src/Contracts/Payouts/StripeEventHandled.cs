using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// What Payout made of one Stripe event (topic <c>payouts.status</c>, key: the Stripe object
/// id): the outcome it keeps in its own table, published so operators see webhooks' fate.
/// </summary>
public sealed record StripeEventHandled(string EventId, string EventType, string ObjectId, string? Account,
    string Outcome, DateTimeOffset At) : IMessage
{
    public const string MessageType = "StripeEventHandled";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string eventId) => $"stripe-event:{eventId}:handled";
}
