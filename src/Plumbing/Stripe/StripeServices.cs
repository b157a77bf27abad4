using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Plumbing.Stripe;

/// <summary>Where a worker finds Stripe: the API base URL and the platform's secret key, from the environment.</summary>
public static class StripeServices
{
    public const string UrlVariable = "CONTESTPIPELINE_STRIPE_URL";
    public const string KeyVariable = "CONTESTPIPELINE_STRIPE_KEY";

    /// <summary>Requests per second the client allows itself (its token bucket), under Stripe's 100/s live and 25/s test limits.</summary>
    public const string RateVariable = "CONTESTPIPELINE_STRIPE_RPS";

    /// <summary>Registers the client; a missing key is a start-up error (one line, before anything runs).</summary>
    public static IServiceCollection AddStripeClient(this IServiceCollection services)
    {
        var key = Environment.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new StartupException($"Stripe: no secret key: set {KeyVariable} (and {UrlVariable} for a server other than api.stripe.com)");
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (!string.IsNullOrWhiteSpace(url) && !Uri.TryCreate(url, UriKind.Absolute, out _))
            throw new StartupException($"Stripe: {UrlVariable} '{url}' is not an absolute URL");
        var rateText = Environment.GetEnvironmentVariable(RateVariable);
        var rate = new StripeClientOptions { SecretKey = key }.RequestsPerSecond;
        if (!string.IsNullOrWhiteSpace(rateText) && (!int.TryParse(rateText, out rate) || rate < 1 || rate > 1_000))
            throw new StartupException($"Stripe: {RateVariable} '{rateText}' is not a whole number of requests per second from 1 to 1000");
        services.AddSingleton<IStripeClient>(sp =>
        {
            var options = new StripeClientOptions
            {
                SecretKey = key,
                RequestsPerSecond = rate,
                BaseAddress = string.IsNullOrWhiteSpace(url) ? StripeClientOptions.ProductionBaseAddress : new Uri(url.TrimEnd('/') + "/"),
            };
            var http = new HttpClient { Timeout = options.AttemptTimeout * (options.AttemptsMax + 1) };
            return new StripeClient(http, options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StripeClient>>());
        });
        return services;
    }
}
