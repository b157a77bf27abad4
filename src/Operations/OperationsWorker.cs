using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.DependencyInjection;
using ContestPipeline.Operations.Alerts;
using ContestPipeline.Operations.Balance;
using ContestPipeline.Operations.Contests;
using ContestPipeline.Operations.Decisions;
using ContestPipeline.Operations.Entries;
using ContestPipeline.Operations.MakeGoods;
using ContestPipeline.Operations.Payouts;
using ContestPipeline.Operations.Recipients;
using ContestPipeline.Operations.Refunds;
using ContestPipeline.Operations.Standings;
using ContestPipeline.Operations.StripeEvents;

namespace ContestPipeline.Operations;

/// <summary>
/// The operations read model's wiring: alerts, every contest's timeline, standings, payout and
/// refund orders and what became of them, Stripe's events and the operators' own decisions in,
/// through the inbox like every worker, into its own schema; notifications for people out. It
/// moves no money and orders nothing: the console reads it, and the topics rebuild it.
/// </summary>
public static class OperationsWorker
{
    public const string Name = "operations";

    public static WorkerShape Shape => Workers.Operations;

    public static WorkerDefinition Definition { get; } = new(
        Shape,
        [
            new ConsumerDefinition(Shape.Group("alerts"), sp =>
                [new AlertRaisedHandler(sp.GetRequiredService<OperationsOptions>().AlertEmailsPerSourcePerHour)]),
            new ConsumerDefinition(Shape.Group("lifecycle"), _ =>
            [
                new ContestScheduledHandler(), new EntryAcceptedHandler(), new EntryRejectedHandler(),
                new EntriesClosedHandler(),
                new ContestStateChangedHandler(), new ContestCompletedHandler(), new ContestSettledHandler(),
                new ContestPaidHandler(),
                new ContestCancelRequestedHandler(), new MakeGoodsAssessedHandler(), new MakeGoodBookedHandler(),
            ]),
            new ConsumerDefinition(Shape.Group("standings"), _ =>
                [new FinalStandingsPublishedHandler(), new StandingsCorrectionReportedHandler(),
                    new StandingsUpdatedHandler()]),
            new ConsumerDefinition(Shape.Group("payouts"), _ =>
            [
                new ContestPayoutsAuthorizedHandler(), new PrizePayoutOrderedHandler(), new RefundOrderedHandler(),
                new PayoutReviewDecidedHandler(),
                new PayoutDispatchDecidedHandler(),
                new PayoutStatusChangedHandler(), new PrizeTransferredHandler(), new PrizeTransferReversedHandler(),
                new PayoutRejectedHandler(),
                new EntryFeeRefundedHandler(), new RefundFailedHandler(), new RecipientOnboardingRequestedHandler(),
                new RecipientOnboardingNeededHandler(), new RecipientAccountChangedHandler(),
                new PrizeUnclaimedHandler(), new RecipientBalanceReadHandler(),
                new PayoutDispatchChangedHandler(),
                new PayoutReleaseApprovedHandler(), new StripeEventHandledHandler(),
                // The quarantine shows as the payout's state (PayoutStatusChanged) and its alert;
                // the money is Settlement's to book.
                IgnoredMessageHandler.Of<ContestPipeline.Contracts.Payouts.PrizeTransferQuarantined>(),
                // A clawback that fell short is alerted (clawback_short); the receivable is Settlement's to book.
                IgnoredMessageHandler.Of<ContestPipeline.Contracts.Payouts.PrizeClawbackShort>(),
                // A dispute's withdrawals and fee are Settlement's to book; the dispute is alerted by Payout.
                IgnoredMessageHandler.Of<ContestPipeline.Contracts.Payouts.DisputeFundsMoved>(),
                // Stripe's fees on payments are Settlement's to book.
                IgnoredMessageHandler.Of<ContestPipeline.Contracts.Payouts.PaymentFeesCharged>(),
            ]),
            new ConsumerDefinition(Shape.Group("stripe"), _ => [new StripeEventReceivedHandler()]),
            new ConsumerDefinition(Shape.Group("operations"), _ =>
            [
                new AlertAcknowledgedHandler(), new AlertResolvedHandler(), new OperatorActedHandler(),
                new MakeGoodProposedHandler(),
                new MakeGoodConfirmedHandler(),
                // Booked by Settlement: the ledger's journal and the alerts show it here.
                IgnoredMessageHandler.Of<ReceivableWriteOffRequested>(),
            ]),
        ])
    {
        Services = (services, _) =>
        {
            services.AddStripeClient();
            services.AddSettings(OperationsOptions.Read);
            services.AddSingleton<SnapshotBalanceJob>();
        },
        Jobs = sp => [sp.GetRequiredService<SnapshotBalanceJob>()],
    };

    /// <summary>
    /// The read model's tables a replay rebuilds (every one but the moment's balance snapshots, the hour's count of
    /// alerts emailed, which a replay counts again by its own clock, and the messaging core's own).
    /// </summary>
    public static IReadOnlyList<string> ReplayedTables { get; } =
    [
        "alerts", "alert_actions", "contests", "contest_events", "entries", "rejections", "final_standings", "payouts",
        "refunds", "money_history",
        "stripe_events", "dispatch", "decisions", "audit", "make_goods", "make_good_proposals",
        "recipient_accounts", "recipient_balances", "bank_payouts",
    ];
}
