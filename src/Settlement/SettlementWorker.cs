using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Settlement.Disputes;
using ContestPipeline.Settlement.Entries;
using ContestPipeline.Settlement.Ledger;
using ContestPipeline.Settlement.MakeGoods;
using ContestPipeline.Settlement.Payouts;
using ContestPipeline.Stripe;
using Microsoft.Extensions.DependencyInjection;

namespace ContestPipeline.Settlement;

/// <summary>
/// Settlement's wiring: contest timelines, final standings and what became of payouts and
/// refunds in; prizes, the ledger, payout orders and PAID out. Handlers record facts; the
/// jobs settle a contest once its facts are all in, and mark it PAID once its payouts are.
/// </summary>
public static class SettlementWorker
{
    public const string Name = "settlement";

    public static WorkerShape Shape => Workers.Settlement;

    public static WorkerDefinition Definition { get; } = new(
        Shape,
        [
            new ConsumerDefinition(Shape.Group("canary"), _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Shape.Group("lifecycle"), sp =>
            [
                new ContestScheduledHandler(sp.GetRequiredService<MessageVerifier>()), new EntryAcceptedHandler(),
                new ContestCompletedHandler(),
                new ContestStateChangedHandler(),
                // The rest of the timeline is other workers' business, or Settlement's own output.
                IgnoredMessageHandler.Of<EntryRejected>(), IgnoredMessageHandler.Of<EntriesClosed>(),
                    IgnoredMessageHandler.Of<ContestCancelRequested>(),
                IgnoredMessageHandler.Of<ContestSettled>(), IgnoredMessageHandler.Of<ContestPaid>(),
                IgnoredMessageHandler.Of<MakeGoodsAssessed>(), IgnoredMessageHandler.Of<MakeGoodBooked>(),
            ]),
            new ConsumerDefinition(Shape.Group("standings"), _ =>
                [new FinalStandingsPublishedHandler(), IgnoredMessageHandler.Of<StandingsUpdated>(),
                    new StandingsCorrectionReportedHandler()]),
            new ConsumerDefinition(Shape.Group("payouts"), _ =>
            [
                new PrizeTransferredHandler(), new PrizeTransferReversedHandler(), new PayoutRejectedHandler(),
                new EntryFeeRefundedHandler(), new PrizeTransferQuarantinedHandler(),
                new PrizeClawbackShortHandler(), new DisputeFundsMovedHandler(), new PaymentFeesChargedHandler(),
                // Where a payout stands, failed refunds and onboarding links are for operators; they move no money.
                IgnoredMessageHandler.Of<PayoutStatusChanged>(), IgnoredMessageHandler.Of<RefundFailed>(),
                    IgnoredMessageHandler.Of<RecipientOnboardingRequested>(),
                IgnoredMessageHandler.Of<RecipientOnboardingNeeded>(),
                IgnoredMessageHandler.Of<RecipientAccountChanged>(),
                IgnoredMessageHandler.Of<PrizeUnclaimed>(), IgnoredMessageHandler.Of<RecipientBalanceRead>(),
                IgnoredMessageHandler.Of<PayoutDispatchChanged>(), IgnoredMessageHandler.Of<PayoutReleaseApproved>(),
                IgnoredMessageHandler.Of<StripeEventHandled>(),
            ]),
            // Of the operators' decisions, Settlement acts on make-goods: a proposal, and a second approver's
            // confirmation.
            new ConsumerDefinition(Shape.Group("operations"), sp =>
            [
                new MakeGoodProposedHandler(), new MakeGoodConfirmedHandler(sp.GetRequiredService<SettlementOptions>()),
                new ReceivableWriteOffRequestedHandler(sp.GetRequiredService<SettlementOptions>()),
                IgnoredMessageHandler.Of<AlertAcknowledged>(), IgnoredMessageHandler.Of<AlertResolved>(),
                IgnoredMessageHandler.Of<OperatorActed>(),
            ]),
        ])
    {
        Services = (services, _) =>
        {
            // Settlement moves no money: its Stripe key only reads the balance, for the drift check.
            services.AddStripeClient(SettlementOptions.StripeRequestsPerSecondDefault);
            services.AddSettings(SettlementOptions.Read);
            services.AddSingleton<CheckStripeBalanceJob>();
        },
        Jobs = sp =>
        [
            new SettleContestsJob(sp.GetRequiredService<CrashPoints>()), new MarkContestsPaidJob(),
            new AssessMakeGoodsJob(), sp.GetRequiredService<CheckStripeBalanceJob>(),
        ],
    };
}
