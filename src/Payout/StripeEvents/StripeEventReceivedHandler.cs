using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// Stripe's events from <c>stripe.events</c>, each applied once (the inbox keys them by event
/// id) and in any order, by the family its type belongs to (<see cref="IStripeEventFamily"/>):
/// transfers, accounts, charges (entry fees' refunds and disputes), winners' bank payouts. A
/// type no family takes is recorded as not handled. What was made of each event is kept in
/// payout.stripe_events. An event that does not read, or of the other mode, is rejected
/// (<see cref="StripeEventReader"/>).
/// </summary>
public sealed class StripeEventReceivedHandler : IBatchMessageHandler
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

    public Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct) =>
        HandleBatchAsync([message], context, ct);

    /// <summary>
    /// A run of events in the run's order. Entry fees' payments (<see cref="EntryFeePayments"/>: one for every entry,
    /// most in the minutes before a lock) and types Payout does not act on are recorded a run at a time, in a few
    /// statements; any other event is applied on its own, after what came before it was recorded. An event that does
    /// not read throws, and the consume loop applies the run one at a time, dead-lettering just that one.
    /// </summary>
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var run = new List<(StripeEventSeen Seen, string ObjectId, EntryFeePayments.Payment? Paid, Cause Cause)>();
        // The body only names the payment: Payout reads it from Stripe itself (VerifyFundsJob) before it counts.
        var reads = new List<PaymentRead>();
        foreach (var message in messages)
        {
            var stripeEvent = StripeEventReader.Read(message);
            StripeEventReader.CheckMode(stripeEvent, _environment);
            var seen = new StripeEventSeen(stripeEvent.Id, stripeEvent.Type, stripeEvent.Account,
                new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)).ToUnixTimeSeconds());
            var objectId = StripeEventReader.ObjectId(stripeEvent);
            var cause = Cause.Of(message.Envelope);
            var family = _byType.GetValueOrDefault(stripeEvent.Type);
            var paid = stripeEvent.Type == EntryFeePayments.Type;
            if (family is null && !paid)
            {
                // Not one Payout acts on: kept as seen, whatever its object looks like.
                run.Add((seen, objectId ?? "", null, cause));
                continue;
            }
            if (objectId is null)
                throw new MessageRejectedException(
                    $"event {stripeEvent.Id} ({stripeEvent.Type}): data.object has no id");
            if (paid)
            {
                run.Add((seen, objectId, EntryFeePayments.Read(stripeEvent), cause));
                reads.Add(EntryFeePayments.ReadOf(stripeEvent));
                continue;
            }
            await RecordAsync(context, run);
            var before = context.Cause;
            context.Cause = cause;
            var outcome = await family!.ApplyAsync(stripeEvent, context);
            context.Cause = before;
            await StripeEventStore.RecordAsync(context, [new RecordedEvent(seen, objectId, outcome, cause)]);
        }
        await RecordAsync(context, run);
        await FundsStore.RequestAsync(context, reads);
    }

    /// <summary>Records the run so far (payments, then each event with what was made of it) and empties it.</summary>
    private static async Task RecordAsync(HandlerContext context,
        List<(StripeEventSeen Seen, string ObjectId, EntryFeePayments.Payment? Paid, Cause Cause)> run)
    {
        if (run.Count == 0) return;
        var payments = run.Where(e => e.Paid is not null).Select(e => e.Paid!).ToList();
        var outcomes = new Queue<string>(await EntryFeePayments.RecordAsync(context, payments));
        await StripeEventStore.RecordAsync(context,
            [.. run.Select(e => new RecordedEvent(e.Seen, e.ObjectId,
                e.Paid is null ? "not handled" : outcomes.Dequeue(), e.Cause))]);
        run.Clear();
    }

    public static StripeEventReceivedHandler WithEveryFamily(DeploymentEnvironment environment) =>
        new([new TransferEvents(), new AccountEvents(), new ChargeEvents(), new BankPayoutEvents()], environment);
}
