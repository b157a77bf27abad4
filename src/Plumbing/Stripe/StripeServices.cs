using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Stripe;

/// <summary>Where a worker finds Stripe: the API base URL and the platform's secret key, from the environment.</summary>
public static class StripeServices
{
    public const string UrlVariable = "CONTESTPIPELINE_STRIPE_URL";
    public const string KeyVariable = "CONTESTPIPELINE_STRIPE_KEY";

    /// <summary>Registers the client; a missing key is a start-up error (one line, before anything runs).</summary>
    public static IServiceCollection AddStripeClient(this IServiceCollection services)
    {
        var key = Environment.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new StartupException($"Stripe: no secret key: set {KeyVariable} (and {UrlVariable} for a server other than api.stripe.com)");
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(url) && !Uri.TryCreate(url, UriKind.Absolute, out _))
            throw new StartupException($"Stripe: {UrlVariable} '{url}' is not an absolute URL");
        services.AddSingleton<IStripeClient>(sp =>
        {
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
