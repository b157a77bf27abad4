using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Processes;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.WebConsole.Extensions;

namespace ContestPipeline.Tests.WebConsole;

/// <summary>
/// The console's sign-in over real HTTPS, the console a process of its own serving a certificate
/// made for the run: its cookies are Secure, guessing is throttled per account and per address, an
/// operator removed from (or demoted in) the operators file loses access on the next request, and
/// only a local path is a place to go back to after signing in.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class ConsoleSignInTests
{
    private static readonly (string Name, string Role, string Password) Ann = ("ann", OperatorRoles.Approver, "ann-pass-1");
    private static readonly (string Name, string Role, string Password) Bob = ("bob", OperatorRoles.Admin, "bob-pass-1");
    private static readonly (string Name, string Role, string Password) Cy = ("cy", OperatorRoles.Viewer, "cy-pass-1");

    [Theory]
    [InlineData("/", true)]
    [InlineData("/payouts/po-1?x=1", true)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("/a\\..\\evil", false)]
    [InlineData("https://evil.example/", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("/x?next=https://evil.example", false)]
    [InlineData("/\t/evil.example", false)]
    [InlineData("", false)]
    public void Only_a_local_path_is_a_place_to_return_to(string path, bool local) => Assert.Equal(local, LocalPath.IsLocal(path));

    [Fact]
    public async Task Over_https_the_cookies_are_secure_guessing_is_throttled_and_the_operators_file_decides_on_every_request()
    {
        await using var stack = await OperationsStack.StartAsync("signin");
        stack.StartWorkers("operations");
        var (certificate, key) = SelfSigned();
        await using var console = await LocalConsole.StartAsync(stack.Swaps with { ConsoleTls = (certificate, key) }, signIns: [Ann, Bob, Cy]);
        Assert.Equal("https", console.Url.Scheme);

        // Signed in over TLS: every cookie the console sets is Secure (and HttpOnly where it says who you are).
        using var ann = Client(console.Url);
        var (status, location, cookies) = await SignInAsync(ann, Ann.Name, Ann.Password, returnUrl: "/\\evil.example");
        Assert.Equal((HttpStatusCode.Redirect, "/"), (status, location));   // not back to another site
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(cookies, c => c.StartsWith("cp-console=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, (await ann.Client.GetAsync("/payouts")).StatusCode);
        Assert.Equal("/payouts/x", (await SignInAsync(Client(console.Url), Ann.Name, Ann.Password, "/payouts/x")).Location);

        // Five wrong passwords for cy: the sixth try is refused even with the right one, and other operators are not locked out.
        using var guesser = Client(console.Url);
        for (var i = 0; i < SignInThrottle.FailuresPerAccountMax; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(guesser, Cy.Name, "wrong-" + i)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(guesser, Cy.Name, Cy.Password)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(Client(console.Url), Bob.Name, Bob.Password)).Status);

        // From one address, twenty failures across names close sign-in from there for every name.
        for (var i = SignInThrottle.FailuresPerAccountMax; i < SignInThrottle.FailuresPerAddressMax; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(guesser, "nobody-" + i, "wrong")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(Client(console.Url), Bob.Name, Bob.Password)).Status);

        // ann removed from the operators file: her cookie, still valid for hours, opens nothing from the next request on.
        var file = await File.ReadAllTextAsync(console.OperatorsFile);
        string? without = null;
        foreach (var a in Operators.Parse(file, "test").All.Where(a => a.Name != Ann.Name)) without = Operators.WithAccount(without, a);
        await File.WriteAllTextAsync(console.OperatorsFile, without);
        var after = await ann.Client.GetAsync("/payouts");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/signin", after.Headers.Location!.OriginalString.Replace(console.Url.ToString().TrimEnd('/'), "", StringComparison.Ordinal),
            StringComparison.Ordinal);
    }

    private sealed record Session(HttpClient Client, CookieContainer Cookies) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    private static Session Client(Uri baseUrl)
    {
        var cookies = new CookieContainer();
        var handler = new HttpClientHandler
        {
            CookieContainer = cookies, AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        return new Session(new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) }, cookies);
    }

    private static async Task<(HttpStatusCode Status, string? Location, List<string> Cookies)> SignInAsync(Session s, string name, string password,
        string returnUrl = "")
    {
        var page = await s.Client.GetStringAsync("/signin");
        var token = TokenField().Match(page).Groups[1].Value;
        using var response = await s.Client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = WebUtility.HtmlDecode(token), ["name"] = name, ["password"] = password, ["returnUrl"] = returnUrl,
        }));
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var set) ? set.ToList() : [];
        return (response.StatusCode, response.Headers.Location?.OriginalString, cookies);
    }

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    /// <summary>A certificate for 127.0.0.1 made for the run, and its key, as PEM.</summary>
    private static (string Certificate, string Key) SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
