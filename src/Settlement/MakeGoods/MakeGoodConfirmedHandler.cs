using ContestPipeline.Rules.Ledger;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Ledger;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// A second approver's confirmation of a make-good proposal. The two-person rule is checked
/// here, where the money is booked (<see cref="MakeGoodConfirmations"/>): the confirmer must not
/// be the proposer, must confirm exactly the terms Settlement recorded for the proposal (report,
/// total, recipients and amounts), and the proposal must be the contest's latest and not expired
/// (<see cref="SettlementOptions.ApprovalLifetime"/>, on the injected clock); otherwise the
/// confirmation is dead-lettered with its reason. Each make-good is
/// booked once as a platform expense (its own journal entry) owed to the winner, and ordered on
/// payouts.due like a prize, with a payout id derived from contest, entry and report, so it is
/// paid exactly once. Amounts are taken from the assessment less what was booked for the entry
/// since (an earlier report's make-good), never below zero: credit only. Each make-good's authorization carries the
/// terms with the proposer's and the confirmer's seals for Payout (<see cref="SealedMakeGood"/>), which Payout
/// verifies before it pays; a confirmation without the confirmer's seal, or of a proposal recorded without the
/// proposer's, is refused.
/// </summary>
public sealed class MakeGoodConfirmedHandler(SettlementOptions options) : MessageHandler<MakeGoodConfirmed>
{
    public override async Task HandleAsync(MakeGoodConfirmed confirmation, HandlerContext context, CancellationToken ct)
    {
        var proposal = await MakeGoodStore.ProposalForUpdateAsync(context, confirmation.ProposalId)
            ?? throw new MessageRejectedException($"make-good confirmation {confirmation.DecisionId}: no proposal " +
                $"{confirmation.ProposalId}");
        var assessed = await MakeGoodStore.AssessmentAsync(context, proposal.ContestId, proposal.CorrectionsSoFar)
            ?? throw new InvariantViolatedException($"make-good proposal {proposal.ProposalId} was recorded " +
                "without its assessment");
        var terms = MakeGoodTerms.Of(proposal.ProposalId, proposal.ContestId,
            proposal.CorrectionsSoFar, proposal.TotalMinor, assessed.Currency, assessed.Items);
        var supersededBy = await MakeGoodStore.SupersededByAsync(context, proposal);
        var refusal = MakeGoodConfirmations.Refusal(proposal, confirmation, terms, supersededBy,
            context.Clock.GetUtcNow(), options.ApprovalLifetime);
        if (refusal is not null)
            throw new MessageRejectedException($"make-good confirmation {confirmation.DecisionId}: {refusal}");
        if (proposal.ConfirmedBy is not null) return;
        if (confirmation.PayoutSeal?.Operator != confirmation.Operator)
            throw new MessageRejectedException($"make-good confirmation {confirmation.DecisionId}: it carries no " +
                $"seal of the terms for Payout by its confirmer {confirmation.Operator} (cpctl and the console " +
                "add one)");
        var proposerSeal = proposal.Seal ?? throw new MessageRejectedException(
            $"make-good confirmation {confirmation.DecisionId}: proposal {proposal.ProposalId} was recorded without " +
            "its proposer's seal for Payout, so what it books could not be paid; propose it again");
        var made = new SealedMakeGood(proposal.ProposalId, proposal.CorrectionsSoFar, proposal.TotalMinor,
            assessed.Items, [proposerSeal, confirmation.PayoutSeal]);
        await MakeGoodStore.ConfirmAsync(context, confirmation);
        var booked = await MakeGoodStore.BookedAsync(context, proposal.ContestId);
        var currency = Currency.Parse(assessed.Currency);
        var now = context.Clock.GetUtcNow();
        foreach (var item in assessed.Items)
        {
            var amount = checked(
                item.CorrectedNetMinor - item.OfficialNetMinor - booked.GetValueOrDefault(item.EntryId));
            if (amount <= 0) continue;
            var payoutId =
                PrizePayoutOrdered.MakeGoodIdFor(proposal.ContestId, item.EntryId, proposal.CorrectionsSoFar);
            if (!await MakeGoodStore.InsertPayoutAsync(context, payoutId, proposal.ContestId, item, amount,
                currency.Code, proposal.CorrectionsSoFar)) continue;
            var money = new Money(amount, currency);
            await JournalStore.PostAsync(context, new JournalEntry($"makegood:{payoutId}", proposal.ContestId,
                "make_good",
                $"make-good for entry {item.EntryId} after correction report {proposal.CorrectionsSoFar}, proposed " +
                $"by {proposal.ProposedBy}, confirmed by {confirmation.Operator}",
                [Posting.Debit(MakeGoodRules.ExpenseAccount, money),
                    Posting.Credit(Accounts.PrizesPayable(item.PlayerId), money)]));
            // Payout pays no more than Settlement authorized: the make-good is authorized for exactly its amount.
            var authorization = new ContestPayoutsAuthorized(ContestPayoutsAuthorized.MakeGoodIdFor(payoutId),
                proposal.ContestId, 1, amount, currency.Code, now, MakeGood: made);
            context.Publish(Topics.PayoutsDue, proposal.ContestId,
                ContestPayoutsAuthorized.MessageIdFor(authorization.AuthorizationId), authorization);
            context.Publish(Topics.PayoutsDue, proposal.ContestId, payoutId,
                new PrizePayoutOrdered(payoutId, proposal.ContestId, item.EntryId, item.PlayerId,
                item.CorrectedRank, amount, 0, amount, currency.Code,
                await MakeGoodStore.PaymentIntentOfAsync(context, item.EntryId)));
            context.Publish(Topics.ContestLifecycle, proposal.ContestId, MakeGoodBooked.MessageIdFor(payoutId),
                new MakeGoodBooked(payoutId,
                proposal.ContestId, item.EntryId, item.PlayerId, proposal.CorrectionsSoFar, amount, currency.Code,
                proposal.ProposedBy, confirmation.Operator, now));
        }
    }
}
