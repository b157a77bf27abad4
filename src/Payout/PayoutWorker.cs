using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Deployment;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Authorizations;
using ContestPipeline.Payout.BudgetPool;
using ContestPipeline.Payout.Clawbacks;
using ContestPipeline.Payout.Controls;
using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Funds;
using ContestPipeline.Payout.Reconciliation;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Payout.Refunds;
using ContestPipeline.Payout.Restores;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Payout.Unclaimed;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Payout;

/// <summary>
/// The payout worker's wiring: payout and refund orders and operator decisions in from
/// payouts.due, the emergency stop from payouts.control, Stripe's events in from stripe.events, accepted entries' fees
/// from contest.lifecycle;
/// the jobs that make the Stripe calls
/// (refunds, onboarding, account and transfer reads, entry fees' verification, prize transfers, a restore's
/// reconciliation, Stripe's transfers matched against the orders), each between two transactions; what became of
/// each order out on payouts.status.
/// </summary>
public static class PayoutWorker
{
    public const string Name = "payout";

    public static WorkerShape Shape => Workers.Payout;

    public static WorkerDefinition Definition { get; } = new(
        Shape,
        [
            new ConsumerDefinition(Shape.Group("canary"), _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Shape.Group("orders"), sp =>
            [
                new ContestPayoutsAuthorizedHandler(sp.GetRequiredService<MessageVerifier>()),
                new PrizePayoutOrderedHandler(sp.GetRequiredService<StripeApi>().Budget), new RefundOrderedHandler(),
                // Halts and resumes published here before payouts.control existed: a halt applies, a resume is refused.
                new PayoutReviewDecidedHandler(sp.GetRequiredService<PayoutOptions>()),
                new PayoutDispatchDecidedHandler(sp.GetRequiredService<PayoutOptions>()),
            ]),
            // The emergency stop on its own topic and consumer: applied while the orders are behind or stopped.
            new ConsumerDefinition(Shape.Group("control"),
                sp => [new PayoutDispatchDecidedHandler(sp.GetRequiredService<PayoutOptions>())]),
            new ConsumerDefinition(Shape.Group("stripe"), sp =>
                [StripeEventReceivedHandler.WithEveryFamily(sp.GetRequiredService<PipelineSettings>().Environment)]),
            // Which payments Ingestion made entries of and which it did not, against its own refund orders (and when
            // each contest locks, to alert on one still waiting after), and the referee's cancels, against
            // Settlement's; nothing else there.
            new ConsumerDefinition(Shape.Group("lifecycle"), _ =>
            [
                new EntryAcceptedHandler(), new EntryRejectedHandler(), new EntriesClosedHandler(),
                new EntriesCancelledHandler(), new ContestCancelledHandler(), new ContestLockHandler(),
                .. IgnoredMessageHandler.Of([.. PublishRights.Pipeline.Rows
                    .Where(r => r.Topic == Topics.ContestLifecycle && r.MessageType is not (EntryAccepted.MessageType
                        or EntryRejected.MessageType or EntriesClosed.MessageType
                        or ContestCancelRequested.MessageType or ContestStateChanged.MessageType
                        or ContestScheduled.MessageType))
                    .Select(r => r.MessageType)]),
            ]),
        ])
    {
        Services = (services, _) =>
        {
            // Its instances may pool their Stripe budget (CONTESTPIPELINE_STRIPE_POOL_RPS): ShareStripeBudgetJob.
            services.AddStripeClient(pooled: true);
            services.AddSettings(PayoutOptions.Read);
            services.AddSingleton<SendRefundsJob>();
            services.AddSingleton<AlertUngroundedRefundsJob>();
            services.AddSingleton<OnboardRecipientsJob>();
            services.AddSingleton<AnswerOnboardingLinksJob>();
            services.AddSingleton<AnswerLoginLinksJob>();
            services.AddSingleton<ReadRecipientBalancesJob>();
            services.AddSingleton<PurgeOnboardingLinksJob>();
            services.AddSingleton<RemindUnclaimedPrizesJob>();
            services.AddSingleton<RefreshAccountsJob>();
            services.AddSingleton<ReadTransfersJob>();
            services.AddSingleton<ReadDisputesJob>();
            services.AddSingleton<ReverseTransfersJob>();
            services.AddSingleton<SendTransfersJob>();
            services.AddSingleton<ShareStripeBudgetJob>();
            services.AddSingleton<ReconcileRestoresJob>();
            // Payout books Stripe's fee on each payment it verifies (PaymentFeesCharged), read with the payment.
            services.AddSingleton(sp => new PaymentReader(sp.GetRequiredService<StripeApi>(),
                sp.GetRequiredService<ILogger<PaymentReader>>()) { WithFees = true });
            services.AddSingleton<VerifyFundsJob>();
            services.AddSingleton<ReconcileStripeJob>();
        },
        Jobs = sp =>
        [
            sp.GetRequiredService<SendRefundsJob>(), sp.GetRequiredService<AlertUngroundedRefundsJob>(),
            sp.GetRequiredService<OnboardRecipientsJob>(),
            sp.GetRequiredService<AnswerOnboardingLinksJob>(), sp.GetRequiredService<PurgeOnboardingLinksJob>(),
            sp.GetRequiredService<RefreshAccountsJob>(), sp.GetRequiredService<ReadTransfersJob>(),
            sp.GetRequiredService<ReadDisputesJob>(), sp.GetRequiredService<ReverseTransfersJob>(),
            sp.GetRequiredService<SendTransfersJob>(),
            sp.GetRequiredService<ReconcileRestoresJob>(), sp.GetRequiredService<VerifyFundsJob>(),
            sp.GetRequiredService<ReconcileStripeJob>(), sp.GetRequiredService<RemindUnclaimedPrizesJob>(),
            sp.GetRequiredService<AnswerLoginLinksJob>(), sp.GetRequiredService<ReadRecipientBalancesJob>(),
            .. PoolJob(sp),
        ],
    };

    /// <summary>The pool's share of the Stripe rate, a job only while this worker's instances pool it.</summary>
    private static IEnumerable<IJob> PoolJob(IServiceProvider sp) =>
        sp.GetRequiredService<StripeSettings>().PoolRequestsPerSecond is null
            ? []
            : [sp.GetRequiredService<ShareStripeBudgetJob>()];
}
