using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ContestPipeline.Tests.Stripe;

/// <summary>
/// One emulator per test on 127.0.0.1, and Stripe.net clients (under the pipeline's StripeApi) that reach it over real
/// HTTP.
/// Clients keep the production rate limit (20/s, burst 5), which also keeps them under the
/// emulator's Stripe-like 25/s; only their retry waits are shortened.
/// </summary>
public abstract class StripeEmulatorTest : IAsyncLifetime
{
    private readonly List<IDisposable> _clients = [];

    protected StripeEmulator Stripe { get; private set; } = null!;
    protected StripeApi Client { get; private set; } = null!;

    protected virtual StripeEmulatorOptions EmulatorOptions() => new();

    public virtual async Task InitializeAsync()
    {
        Stripe = await StripeEmulator.StartAsync(EmulatorOptions());
        Client = NewClient();
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await Stripe.DisposeAsync();
    }

    protected StripeApi NewClient(int attemptsMax = 4, TimeSpan? attemptTimeout = null, TimeProvider? clock = null,
        int requestsPerSecond = 20, int burst = 5, string? secretKey = null)
    {
        var client = new StripeApi(new StripeSettings
        {
            BaseAddress = Stripe.BaseUrl,
            SecretKey = secretKey ?? Stripe.ApiKey,
            AttemptsMax = attemptsMax,
            RetryDelayBase = TimeSpan.FromMilliseconds(10),
            RetryDelayMax = TimeSpan.FromMilliseconds(50),
            AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(10),
            RequestsPerSecond = requestsPerSecond,
            RequestBurst = burst,
        }, clock ?? TimeProvider.System, NullLogger<StripeApi>.Instance);
        _clients.Add(client);
        return client;
    }

    protected HttpClient RawHttp()
    {
        var http = new HttpClient { BaseAddress = Stripe.BaseUrl };
        _clients.Add(http);
        return http;
    }

    /// <summary>An Express account that has finished onboarding and can receive transfers.</summary>
    protected async Task<string> ReadyAccountAsync(string email = "winner@example.test")
    {
        var account = await Client.CreateAccountAsync(new AccountCreate("US", email), "account:" + email);
        Stripe.EnablePayouts(account.Id);
        return account.Id;
    }

    protected static Dictionary<string, string> Meta(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    protected IReadOnlyList<RecordedRequest> RequestsTo(string method, string path) =>
        Stripe.Requests().Where(r => r.Method == method && r.Path == path).ToList();
}
