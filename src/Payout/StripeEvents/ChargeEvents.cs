using Charge = Stripe.Charge;
using Dispute = Stripe.Dispute;
using Event = Stripe.Event;
using PaymentIntent = Stripe.PaymentIntent;
using System.Globalization;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Extensions;
using ContestPipeline.Payout.Store;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.StripeEvents;

/// <summary>
/// Entry-fee charges refunded or disputed outside the pipeline freeze the prizes won with
/// them (charge.refunded, charge.dispute.created); a dispute closed as won lifts its freeze
/// (charge.dispute.closed). Each refund (by the charge's refunded total) and each dispute (by
/// its id) is a freeze of its own, so an operator's release of a frozen prize waives the
/// freezes it saw and a later one holds the prize again. The events come in any order: a
/// dispute closed before its created event arrived stays closed. Each is dated as Stripe dates
/// it, and payment_intent.succeeded tells whose entry fee a payment is, for the dispute rules
/// (<see cref="DisputeRules"/>): a dispute seen for the first time that makes a surge halts every
/// payout automatically, a halt that only two different operators' resumes end.
/// </summary>
public sealed class ChargeEvents(PayoutOptions options) : IStripeEventFamily
{
    public IReadOnlyCollection<string> Types { get; } =
        ["charge.refunded", "charge.dispute.created", "charge.dispute.closed", "payment_intent.succeeded"];

    public Task<string> ApplyAsync(Event e, HandlerContext context) => e.Type switch
    {
        "charge.refunded" => RefundedAsync(context, e, StripeEventReader.Object<Charge>(e)),
        "charge.dispute.created" => DisputeCreatedAsync(context, StripeEventReader.Object<Dispute>(e)),
        "payment_intent.succeeded" => PaidAsync(context, StripeEventReader.Object<PaymentIntent>(e)),
        _ => DisputeClosedAsync(context, StripeEventReader.Object<Dispute>(e)),
    };

    /// <summary>Whose entry fee the payment is, from its metadata (as Ingestion matches it to the entry).</summary>
    private static async Task<string> PaidAsync(HandlerContext context, PaymentIntent intent)
    {
        if (intent.Metadata?.GetValueOrDefault(MetadataPlayerId) is not { Length: > 0 } player)
            return "a payment naming no player";
        return await DisputeRuleStore.RecordPaymentAsync(context, intent.Id, player)
            ? $"entry fee of player {player}" : "payment known already";
    }

    /// <summary>The metadata key the platform names a payment's player with.</summary>
    public const string MetadataPlayerId = "player_id";

    private static async Task<string> RefundedAsync(HandlerContext context, Event e, Charge charge)
    {
        var paymentIntent = charge.PaymentIntentId;
        if (paymentIntent is null) return "charge without a payment intent";
        if (await RefundStore.ExistsForPaymentAsync(context, paymentIntent)) return "a refund this pipeline made";
        var refunded = charge.AmountRefunded;
        if (refunded <= 0) throw new MessageRejectedException($"event {e.Id} (charge.refunded): charge {charge.Id} has no amount_refunded");
        return await FreezeAsync(context, paymentIntent, Freezes.OfRefund(refunded), Freezes.Refunded, Dated(e.Created),
            $"the entry fee {paymentIntent} was refunded outside the pipeline ({refunded} of it; the ledger does not show it): its prize waits for an operator");
    }

    private async Task<string> DisputeCreatedAsync(HandlerContext context, Dispute dispute)
    {
        var paymentIntent = dispute.PaymentIntentId;
        if (paymentIntent is null) return "dispute without a payment intent";
        var disputeId = dispute.Id;
        var first = !await FreezeStore.KnownAsync(context, paymentIntent, disputeId);
        var outcome = await FreezeAsync(context, paymentIntent, disputeId, Freezes.Disputed, Dated(dispute.Created),
            $"the entry fee {paymentIntent} is disputed ({disputeId}, {dispute.Reason}): its prize waits until the dispute closes");
        return first ? outcome + await SurgeAsync(context, disputeId, Dated(dispute.Created)) : outcome;
    }

    /// <summary>Stripe's dates are UTC seconds.</summary>
    private static DateTimeOffset Dated(DateTime created) => new(DateTime.SpecifyKind(created, DateTimeKind.Utc));

    /// <summary>
    /// A dispute seen for the first time: when it makes a surge (<see cref="DisputeRules.IsSurge"/>), every payout is
    /// halted by the same halt an operator's emergency stop makes, recorded with its reason, alerted critically, and
    /// ended only by two different operators' resumes. A surge while an automatic halt is in force halts nothing more.
    /// </summary>
    private async Task<string> SurgeAsync(HandlerContext context, string disputeId, DateTimeOffset at)
    {
        if (options.DisputeHaltCount == 0) return "";
        // The stop's row, locked first: disputes first seen at once by two instances are counted one after the
        // other, and the later one counts the earlier.
        var (halted, inForce) = await DispatchStore.CurrentAsync(context);
        var disputes = await DisputeRuleStore.DisputesAroundAsync(context, at, options.DisputeHaltWindow);
        if (!DisputeRules.IsSurge(disputes, at, options)) return "";
        if (halted && inForce is not null && await DisputeRuleStore.ApprovalsNeededAsync(context, inForce) > 1)
            return $"; a surge of disputes, and payouts are halted already by {inForce}";
        var most = DisputeRules.MostInOneWindow(disputes, at, options.DisputeHaltWindow);
        var hours = options.DisputeHaltWindow.TotalHours.ToString("0.##", CultureInfo.InvariantCulture);
        var reason = $"{most} disputes within {hours} hours, {disputeId} the last seen " +
            $"({options.DisputeHaltCount} halt every payout): automatic halt; two different operators must resume it";
        var halt = new PayoutDispatchDecided(DisputeRules.HaltIdFor(disputeId), PayoutDispatchDecided.Halt,
            DisputeRules.AutomaticOperator, reason, context.Clock.GetUtcNow());
        if (!await DispatchStore.RecordHaltAsync(context, halt, Topics.StripeEvents))
            return $"; halt {halt.DecisionId} known already";
        await DisputeRuleStore.RequireTwoApprovalsAsync(context, halt.DecisionId);
        await DispatchStore.SetAsync(context, halt, halted: true);
        DispatchStore.PublishChanged(context, halt, halted: true);
        context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "payouts_halted_disputes", "payouts",
            $"every payout is halted ({halt.DecisionId}): {reason}; check the disputes in Stripe, then two different " +
            $"operators run cpctl payouts resume --halt {halt.DecisionId}", halt.DecisionId);
        return $"; payouts halted: {halt.DecisionId}";
    }

    /// <summary>
    /// Records the freeze; the payment's prizes that are waiting or held for another reason
    /// are held for it now (a release that came before it did not waive it), and one already
    /// sent is a critical alert.
    /// </summary>
    private static async Task<string> FreezeAsync(HandlerContext context, string paymentIntent, string freezeId,
        string cause, DateTimeOffset occurredAt, string message)
    {
        if (!await FreezeStore.FreezeAsync(context, paymentIntent, freezeId, cause, occurredAt))
            return $"{freezeId} known already";
        var sent = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Submitting, PayoutState.Paid]);
        var late = sent.Count > 0 ? $"; prize {string.Join(", ", sent.Select(p => p.PayoutId))} was already sent" : "";
        context.RaiseAlert(PayoutWorker.Name, sent.Count > 0 ? AlertSeverities.Critical : AlertSeverities.Warning, "entry_fee_" + cause, paymentIntent,
            message + late, $"{paymentIntent}:{freezeId}");
        var waiting = await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Waiting, PayoutState.Held, PayoutState.AwaitingAccount]);
        var held = 0;
        foreach (var payout in waiting)
        {
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Held, HoldKind = HoldKinds.Frozen, Reason = $"frozen: {message}", NextAttemptAt = context.Clock.GetUtcNow(),
            });
            held++;
        }
        return $"frozen: {freezeId} ({held} payouts held)";
    }

    private async Task<string> DisputeClosedAsync(HandlerContext context, Dispute dispute)
    {
        var paymentIntent = dispute.PaymentIntentId;
        var disputeId = dispute.Id;
        var status = dispute.Status;
        if (paymentIntent is null) return "dispute without a payment intent";
        var won = status == "won";
        var first = !await FreezeStore.KnownAsync(context, paymentIntent, disputeId);
        if (!await FreezeStore.CloseDisputeAsync(context, paymentIntent, disputeId, won, Dated(dispute.Created)))
            return $"dispute {disputeId} closed already";
        // Closed before its created event arrived: a dispute all the same, for the surge.
        var surge = first ? await SurgeAsync(context, disputeId, Dated(dispute.Created)) : "";
        if (!won)
        {
            context.RaiseAlert(PayoutWorker.Name, AlertSeverities.Critical, "dispute_lost", paymentIntent,
                $"dispute {disputeId} on entry fee {paymentIntent} closed as {status}: its prize stays frozen; release or reject it", disputeId);
            return "dispute " + status + ": stays frozen" + surge;
        }
        // Lifted: the payment's frozen prizes go on unless another freeze still holds them.
        var inForce = await FreezeStore.InForceAsync(context, paymentIntent);
        var now = context.Clock.GetUtcNow();
        var resumed = 0;
        foreach (var payout in await PayoutStore.OfPaymentAsync(context, paymentIntent, [PayoutState.Held], HoldKinds.Frozen))
        {
            if (inForce.Any(f => !payout.Waived.Contains(Waivers.Freeze(f)))) continue;
            await PayoutStore.SaveAsync(context, payout, payout with
            {
                State = PayoutState.Waiting, HoldKind = null, Reason = $"dispute {disputeId} won", NextAttemptAt = now,
            });
            resumed++;
        }
        return $"dispute won: {resumed} payouts resumed{surge}";
    }
}
