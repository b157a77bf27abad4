using ContestPipeline.Contracts;
using ContestPipeline.Payout.Dispatch;
using ContestPipeline.Payout.Domain;
using ContestPipeline.Payout.Events;
using ContestPipeline.Payout.Orders;
using ContestPipeline.Plumbing.Canary;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Stripe;
using Microsoft.Extensions.DependencyInjection;

namespace ContestPipeline.Payout.Extensions;

/// <summary>
/// The payout worker's wiring: payout and refund orders and operator decisions in from
/// payouts.due, Stripe's events in from stripe.events, and the dispatcher that makes the
/// Stripe calls; what became of each order out on payouts.status.
/// </summary>
public static class PayoutWorker
{
    public const string Name = "payout";

    public static WorkerDefinition Definition { get; } = new(
        Name,
        Migration.FromAssembly(typeof(PayoutWorker).Assembly, Name),
        [
            new ConsumerDefinition(Name + ".canary", [Topics.Canary], _ => [new CanaryHandler(Name, Name)]),
            new ConsumerDefinition(Name + ".orders", [Topics.PayoutsDue], _ =>
                [new PrizePayoutOrderedHandler(), new RefundOrderedHandler(), new PayoutReviewDecidedHandler()]),
            new ConsumerDefinition(Name + ".stripe", [Topics.StripeEvents], sp => [new StripeEventHandler(sp.GetRequiredService<IStripeClient>())]),
        ])
    {
        Services = (services, _) =>
        {
            services.AddStripeClient();
            services.AddSingleton(PayoutOptions.FromEnvironment());
            services.AddSingleton<PayoutDispatcher>();
        },
        Loops = sp => [sp.GetRequiredService<PayoutDispatcher>()],
    };
}
