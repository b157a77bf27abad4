using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Stripe;

/// <summary>Where a worker finds Stripe: the API base URL and the platform's secret key, from the environment.</summary>
public static class StripeServices
{
    public const string UrlVariable = "CONTESTPIPELINE_STRIPE_URL";
    public const string KeyVariable = "CONTESTPIPELINE_STRIPE_KEY";

    public static IServiceCollection AddStripeClient(this IServiceCollection services)
    {
        services.AddSingleton<IStripeClient>(sp =>
        {
            var key = Environment.GetEnvironmentVariable(KeyVariable);
            if (string.IsNullOrWhiteSpace(key))
                throw new StartupException($"Stripe: no secret key: set {KeyVariable}");
            var url = Environment.GetEnvironmentVariable(UrlVariable);
            var options = new StripeClientOptions
            {
                SecretKey = key,
                BaseAddress = string.IsNullOrWhiteSpace(url) ? StripeClientOptions.ProductionBaseAddress : new Uri(url.TrimEnd('/') + "/"),
            };
            var http = new HttpClient { Timeout = options.AttemptTimeout * (options.AttemptsMax + 1) };
            return new StripeClient(http, options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StripeClient>>());
        });
        return services;
    }
}
