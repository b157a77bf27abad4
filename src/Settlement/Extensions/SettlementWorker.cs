using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Handlers;

namespace ContestPipeline.Settlement.Extensions;

/// <summary>
/// Settlement's wiring: contest timelines, final standings and what became of payouts and
/// refunds in; prizes, the ledger, payout orders and PAID out.
/// </summary>
public static class SettlementWorker
{
    public const string Name = "settlement";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(SettlementWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Name + ".lifecycle", [Topics.ContestLifecycle], _ =>
            [
                new ContestScheduledHandler(), new EntryAcceptedHandler(), new ContestCompletedHandler(), new ContestStateChangedHandler(),
                .. IgnoredMessage.Of(EntryRejected.MessageType, EntriesClosed.MessageType, Contracts.Contests.ContestCancelRequested.MessageType,
                    ContestSettled.MessageType, ContestPaid.MessageType),
            ]),
            new ConsumerDefinition(Name + ".standings", [Topics.Standings], _ =>
                [new FinalStandingsHandler(), .. IgnoredMessage.Of(StandingsUpdated.MessageType, StandingsCorrectionReported.MessageType)]),
            new ConsumerDefinition(Name + ".payouts", [Topics.PayoutsStatus], _ =>
            [
                new PrizeTransferredHandler(), new PrizeTransferReversedHandler(), new PayoutRejectedHandler(), new EntryFeeRefundedHandler(),
                // Where a payout stands, failed refunds and onboarding links are for operators; they move no money.
                .. IgnoredMessage.Of(PayoutStatusChanged.MessageType, RefundFailed.MessageType, RecipientOnboardingRequested.MessageType),
            ]),
        ]);
}
