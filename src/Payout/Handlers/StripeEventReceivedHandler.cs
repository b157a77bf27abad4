using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Store;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Handlers;

/// <summary>
/// Stripe's events from <c>stripe.events</c>, each applied once (the inbox keys them by event
/// id) and in any order, by the family its type belongs to (<see cref="IStripeEventFamily"/>):
/// transfers, accounts, charges (entry fees: whose they are, their refunds and disputes), winners' bank payouts. A
/// type no family takes is recorded as not handled. What was made of each event is kept in
/// payout.stripe_events. An event that does not read, or of the other mode, is rejected
/// (<see cref="StripeEventReader"/>).
/// </summary>
public sealed class StripeEventReceivedHandler : IMessageHandler
{
    private readonly Dictionary<string, IStripeEventFamily> _byType = new(StringComparer.Ordinal);
    private readonly DeploymentEnvironment _environment;

    public StripeEventReceivedHandler(IEnumerable<IStripeEventFamily> families, DeploymentEnvironment environment)
    {
        _environment = environment;
        foreach (var family in families)
            foreach (var type in family.Types)
                _byType.Add(type, family);
    }

    public string MessageType => StripeEventReceived.MessageType;
    public int SchemaVersionMax => StripeEventReceived.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var stripeEvent = StripeEventReader.Read(message);
        StripeEventReader.CheckMode(stripeEvent, _environment);
        var seen = new StripeEventSeen(stripeEvent.Id, stripeEvent.Type, stripeEvent.Account,
            new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)).ToUnixTimeSeconds());
        var objectId = StripeEventReader.ObjectId(stripeEvent);
        if (!_byType.TryGetValue(stripeEvent.Type, out var family))
        {
            // Not one Payout acts on: kept as seen, whatever its object looks like.
            await StripeEventStore.RecordAsync(context, seen, objectId ?? "", "not handled");
            return;
        }
        if (objectId is null)
            throw new MessageRejectedException($"event {stripeEvent.Id} ({stripeEvent.Type}): data.object has no id");
        await StripeEventStore.RecordAsync(context, seen, objectId, await family.ApplyAsync(stripeEvent, context));
    }

    public static StripeEventReceivedHandler WithEveryFamily(DeploymentEnvironment environment) =>
        new([new TransferEvents(), new AccountEvents(), new ChargeEvents(), new BankPayoutEvents()], environment);
}
