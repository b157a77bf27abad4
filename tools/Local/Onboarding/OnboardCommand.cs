using System.Net;
using System.Text.Json;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Local.Onboarding;

/// <summary>
/// cpdev onboard: a winner without a payout account onboards as the platform's onboarding page would do it, against
/// the stack <c>cpdev up</c> keeps up. It asks the platform's read API for a fresh onboarding link
/// (<c>POST /recipients/{player}/onboarding-link</c>, which Payout answers with a Stripe account link) and follows
/// it in the Stripe-compatible server, whose onboarding page completes the account's onboarding; Stripe then sends
/// <c>account.updated</c>, and Payout pays the prizes that waited for the account.
/// </summary>
public static class OnboardCommand
{
    public const int ExitOnboarded = 0;
    public const int ExitRefused = 1;
    public const int ExitNoStack = 2;

    public static async Task<int> RunAsync(string stackFile, string playerId, CancellationToken ct)
    {
        var stack = LocalStack.TryRead(stackFile);
        if (stack?.PlayerApiUrl is not { } api || stack.PlayerApiToken is not { } token ||
            stack.PlayerSignInKey is not { } signInKey)
        {
            await Console.Error.WriteLineAsync($"onboard: no local stack with a player read API described at " +
                $"{stackFile}: start one with ./run up (it writes that file while it runs)");
            return ExitNoStack;
        }
        // As the platform's onboarding page: its backend's token, and the winner's own from their sign-in.
        using var signIn = PlatformSignIn.FromPem(signInKey);
        using var platform = signIn.Platform(api, token, TimeSpan.FromSeconds(60));
        var path = RecipientOnboardingNeeded.PathFor(playerId);
        using var response = await platform.PostAsync(path.TrimStart('/'), null, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        using var answer = JsonDocument.Parse(body);
        if (!response.IsSuccessStatusCode)
        {
            var error = answer.RootElement.TryGetProperty("error", out var e) ? e.GetString() : body;
            await Console.Error.WriteLineAsync(
                $"onboard: the read API (POST {path}) answered {(int)response.StatusCode}: {error}"
                + (response.StatusCode == HttpStatusCode.NotFound
                    ? " (a winner's account is made once their prize is due: wait until the contest is SETTLED)" : ""));
            return ExitRefused;
        }
        var link = answer.RootElement.GetProperty("url").GetString()!;
        Console.WriteLine($"link:      {link}  (from the read API, POST {path}; Payout made it in Stripe)");
        // As the winner's browser: the onboarding page completes onboarding and sends them back to the platform.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var followed = await browser.GetAsync(link, ct);
        if (followed.StatusCode != HttpStatusCode.Redirect && !followed.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"onboard: the onboarding page answered {(int)followed.StatusCode}: " +
                await followed.Content.ReadAsStringAsync(ct));
            return ExitRefused;
        }
        Console.WriteLine($"onboarded: {playerId} finished onboarding in the Stripe-compatible server at " +
            $"{stack.StripeUrl}, sent back to {followed.Headers.Location}; Stripe sends account.updated and Payout " +
            "pays what waited for it (./run cpctl payouts list)");
        return ExitOnboarded;
    }
}
