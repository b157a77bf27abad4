using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Authorizations;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.Refunds;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// A prize order from Settlement: recorded once (the payout id is the key), waiting for the transfer job, and only
/// within what Settlement authorized for its contest (<see cref="ContestPayoutsAuthorized"/>); beyond that it is
/// refused with a critical alert. A prize beyond the entry fees Payout has itself verified on Stripe for the contest is
/// recorded held for funds not proven (<see cref="ContestFunds"/>), with a critical alert. Nothing is sent to Stripe
/// here: the consume transaction stays short, and the Stripe call happens between two recorded states. It is applied
/// only while it is still valid, however late it comes (a re-drive, a replay): not a second prize for an entry that has
/// one under another id (a make-good beside it is no second prize), and not for an entry whose fee this pipeline
/// refunded; those are dead-lettered with a critical alert. A make-good is paid only as the operators sealed it
/// (<see cref="MakeGoodGrant"/>). Everything else about whether it may be paid is for the
/// gates to decide when it is due (freezes, limits, review).
/// </summary>
/// <param name="budget">
/// This process's Stripe budget: an instance recording prize orders will have transfers to make, so it counts as
/// wanting its part of a pooled budget while it records them (<see cref="TokenBucket.Wanting"/>), and has settled
/// into the pool (<see cref="BudgetPool.ShareStripeBudgetJob"/>) by the time they are due, rather than starting then.
/// </param>
public sealed class PrizePayoutOrderedHandler(TokenBucket? budget = null) : BatchMessageHandler<PrizePayoutOrdered>
{
    public override async Task HandleAsync(PrizePayoutOrdered order, HandlerContext context, CancellationToken ct)
    {
        Check(order);
        // A prize of nothing, or eaten whole by the platform fee, has nothing to transfer; Settlement counts it paid.
        if (order.NetMinor == 0) return;
        using var wanting = budget?.Wanting();
        var existing = await PayoutStore.FindAsync(context, order.PayoutId, forUpdate: false);
        if (existing is not null)
        {
            if (existing.AmountMinor != order.NetMinor || existing.PlayerId != order.PlayerId
                || existing.EntryId != order.EntryId)
                throw new MessageRejectedException(
                    $"payout {order.PayoutId}: ordered again with other content (amount {order.NetMinor} vs " +
                    $"{existing.AmountMinor}, " +
                    $"player {order.PlayerId} vs {existing.PlayerId}); the first order stands");
            return;
        }
        if (!PrizePayoutOrdered.IsMakeGoodId(order.PayoutId)
            && await PayoutStore.PrizeOfEntryAsync(context, order.EntryId) is { } other)
            throw new MessageRejectedException($"payout {order.PayoutId}: entry {order.EntryId} already has prize " +
                $"{other}; one prize per entry", AlertSeverities.Critical);
        if (order.PaymentIntentId is not null
            && await RefundStore.ExistsForPaymentAsync(context, order.PaymentIntentId))
            throw new MessageRejectedException(
                $"payout {order.PayoutId}: the entry fee {order.PaymentIntentId} of entry {order.EntryId} was " +
                "refunded by this pipeline; its prize is not paid", AlertSeverities.Critical);
        if (PrizePayoutOrdered.IsMakeGoodId(order.PayoutId)) await CheckGrantAsync(order, context);
        // Only within what Settlement authorized for the contest: count and net total, never beyond.
        await AuthorizationStore.TakeAsync(context, order);
        var envelope = context.Incoming!.Envelope;
        // And only within the entry fees Payout itself verified as paid in for the contest; beyond them it is held.
        await PayoutStore.InsertAsync(context,
            [await ContestFunds.CheckAsync(context, NewPayout(order, envelope.MessageId, context))],
            [Cause.Of(envelope)]);
    }

    /// <summary>
    /// A contest's prizes arrive as a run of orders: new ones, each for an entry without a prize, within the
    /// authorization and the verified funds, are recorded in a few statements. Anything else in the run (a repeat, a
    /// second prize for an entry, a refunded fee, a budget or the funds passed) throws, so the loop applies the run one
    /// order at a time and the one-at-a-time path above says what is wrong with which order (or holds it).
    /// </summary>
    public override async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, HandlerContext context,
        CancellationToken ct)
    {
        var orders = new List<(PrizePayoutOrdered Order, Envelope Envelope)>(messages.Count);
        foreach (var message in messages)
        {
            var order = message.Body<PrizePayoutOrdered>();
            Check(order);
            if (order.NetMinor != 0) orders.Add((order, message.Envelope));
        }
        if (orders.Count == 0) return;
        using var wanting = budget?.Wanting();
        var prizes = orders.Where(o => !PrizePayoutOrdered.IsMakeGoodId(o.Order.PayoutId)).ToList();
        if (prizes.Count != orders.Count)
            throw new MessageRejectedException("a run of prize orders has a make-good: each is checked on its own");
        if (orders.DistinctBy(o => o.Order.PayoutId).Count() != orders.Count
            || prizes.DistinctBy(o => o.Order.EntryId).Count() != prizes.Count)
            throw new MessageRejectedException("a run of prize orders names a payout or an entry twice");
        if (await PayoutStore.AnyKnownAsync(context, [.. orders.Select(o => o.Order.PayoutId)],
                [.. prizes.Select(o => o.Order.EntryId)]))
            throw new MessageRejectedException(
                "a run of prize orders has one known already, or one for an entry with a prize");
        var payments = orders.Select(o => o.Order.PaymentIntentId).OfType<string>().ToArray();
        if (payments.Length > 0 && await RefundStore.AnyForPaymentsAsync(context, payments))
            throw new MessageRejectedException("a run of prize orders has one whose entry fee was refunded");
        if (!await AuthorizationStore.TakeAllAsync(context, [.. orders.Select(o => o.Order)]))
            throw new MessageRejectedException("a run of prize orders passes what its contest was authorized");
        foreach (var contest in prizes.GroupBy(o => (o.Order.ContestId, o.Order.Currency)))
            if ((await ContestFunds.OfAsync(context, contest.Key.ContestId, contest.Key.Currency)).Left
                < contest.Sum(o => o.Order.NetMinor))
                throw new MessageRejectedException("a run of prize orders passes its contest's verified entry fees");
        await PayoutStore.InsertAsync(context,
            [.. orders.Select(o => NewPayout(o.Order, o.Envelope.MessageId, context))],
            [.. orders.Select(o => Cause.Of(o.Envelope))]);
    }

    /// <summary>
    /// A make-good is paid only as two operators sealed it (<see cref="MakeGoodGrant"/>): to the entry and player its
    /// grant names, and with the entry's other make-goods no more than the grant's credit.
    /// </summary>
    private static async Task CheckGrantAsync(PrizePayoutOrdered order, HandlerContext context)
    {
        var grant = await MakeGoodGrantStore.FindAsync(context, order.PayoutId)
            ?? throw new MessageRejectedException($"make-good {order.PayoutId}: no make-good of that id was sealed " +
                "by the operators who proposed and confirmed it (its authorization carried none that verified); not " +
                "paid", AlertSeverities.Critical);
        if ((grant.ContestId, grant.EntryId, grant.PlayerId, grant.Currency)
            != (order.ContestId, order.EntryId, order.PlayerId, order.Currency))
            throw new MessageRejectedException($"make-good {order.PayoutId}: ordered for entry {order.EntryId} of " +
                $"player {order.PlayerId} in {order.ContestId} ({order.Currency}); the operators sealed it for entry " +
                $"{grant.EntryId} of player {grant.PlayerId} in {grant.ContestId} ({grant.Currency}); not paid",
                AlertSeverities.Critical);
        var before = await MakeGoodGrantStore.OrderedForEntryAsync(context, order.EntryId);
        if (before + order.NetMinor > grant.CreditMinor)
            throw new MessageRejectedException($"make-good {order.PayoutId}: {order.NetMinor} with the {before} its " +
                $"entry {order.EntryId} was ordered before passes the {grant.CreditMinor} the operators sealed " +
                $"(proposal {grant.ProposalId}); not paid", AlertSeverities.Critical);
    }

    private static PayoutRow NewPayout(PrizePayoutOrdered order, string messageId, HandlerContext context)
    {
        var now = context.Clock.GetUtcNow();
        return new PayoutRow
        {
            PayoutId = order.PayoutId, ContestId = order.ContestId, EntryId = order.EntryId, PlayerId = order.PlayerId,
            PaymentIntentId = order.PaymentIntentId, AmountMinor = order.NetMinor, Currency = order.Currency,
            State = PayoutState.Waiting,
            Reason = $"rank {order.Rank} prize ordered", Version = 1, NextAttemptAt = now, OrderedAt = now,
            OrderedBy = messageId,
        };
    }

    /// <summary>What an order must be on its own, whatever is recorded.</summary>
    private static void Check(PrizePayoutOrdered order)
    {
        if (!Currency.TryParse(order.Currency, out _))
            throw new MessageRejectedException($"payout {order.PayoutId}: unsupported currency '{order.Currency}'");
        // What payout.payouts checks (amount_minor > 0) is checked here first, with the reason: a
        // violation reaching the table would be a bug and stop the worker on every restart.
        if (order.GrossMinor < 0)
            throw new MessageRejectedException($"payout {order.PayoutId}: gross {order.GrossMinor} is negative",
                AlertSeverities.Critical);
        if (order.FeeMinor < 0 || order.FeeMinor > order.GrossMinor)
            throw new MessageRejectedException(
                $"payout {order.PayoutId}: fee {order.FeeMinor} is not between 0 and the gross {order.GrossMinor}",
                AlertSeverities.Critical);
        if (order.NetMinor != order.GrossMinor - order.FeeMinor)
            throw new MessageRejectedException($"payout {order.PayoutId}: net {order.NetMinor} is not gross " +
                $"{order.GrossMinor} less fee {order.FeeMinor}");
    }
}
