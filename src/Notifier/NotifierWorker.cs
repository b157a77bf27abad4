using ContestPipeline.Deployment;
using ContestPipeline.Notifier.Channels;
using ContestPipeline.Notifier.Deliveries;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace ContestPipeline.Notifier;

/// <summary>
/// The notification sender's wiring: notifications in from the notifications topic, through the
/// inbox, into its delivery log; the delivery job sends each, operators' by email and players' to
/// the platform's signed callback, and retries those that fail on its schedule.
/// </summary>
public static class NotifierWorker
{
    public const string Name = "notifier";

    public static WorkerShape Shape => Workers.Notifier;

    public static WorkerDefinition Definition { get; } = new(
        Shape,
        [new ConsumerDefinition(Shape.Group("notifications"), _ => [new NotificationRequestedHandler()])])
    {
        Services = (services, _) =>
        {
            services.AddSettings(NotifierOptions.Read);
            services.AddSingleton<EmailSender>();
            // One client for the process: the platform's endpoint is one host, its connections reused.
            services.AddSingleton(_ => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });
            services.AddSingleton<PlatformCallbackSender>();
            services.AddSingleton<DeliverNotificationsJob>();
        },
        Jobs = sp => [sp.GetRequiredService<DeliverNotificationsJob>()],
    };
}
