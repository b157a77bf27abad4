using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>Who may call the emulator, and for what: the secret key however it is given, and restricted keys.</summary>
public sealed class StripeEmulatorAuthenticationTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_secret_key_given_as_basic_auth_user_name_is_accepted_as_stripe_accepts_it()
    {
        var http = RawHttp();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/balance");
        // curl -u sk_test_...: sends the key as the user name and an empty password.
        request.Headers.Authorization = Basic(Stripe.ApiKey + ":");

        using var response = await http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("balance", body.GetProperty("object").GetString());
    }

    [Theory]
    [InlineData("sk_test_someone_elses_key:")]
    [InlineData("sk_test_someone_elses_key")]
    public async Task An_unknown_key_given_as_basic_auth_is_refused_with_401_and_never_echoed(string credentials)
    {
        var http = RawHttp();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/balance");
        request.Headers.Authorization = Basic(credentials);

        using var response = await http.SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(StripeErrorTypes.InvalidRequestError, error.GetProperty("type").GetString());
        Assert.StartsWith("Invalid API Key provided: sk_test_", error.GetProperty("message").GetString());
        Assert.DoesNotContain("someone_elses", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static AuthenticationHeaderValue Basic(string credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
}
