using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Processes;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.OperationsConsole.SignIn;

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
    private static readonly (string Name, string Role, string Password) Ann = ("ann", OperatorRoles.Approver,
        "ann-pass-1");
    private static readonly (string Name, string Role, string Password) Bob = ("bob", OperatorRoles.Admin,
        "bob-pass-1");
    private static readonly (string Name, string Role, string Password) Cy = ("cy", OperatorRoles.Viewer, "cy-pass-1");
    private static readonly (string Name, string Role, string Password) Dee = ("dee", OperatorRoles.Admin,
        "dee-pass-1");

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
    public void Only_a_local_path_is_a_place_to_return_to(string path, bool local) =>
        Assert.Equal(local, LocalPath.IsLocal(path));

    [Fact]
    public async Task
        Over_https_the_cookies_are_secure_guessing_is_throttled_and_the_operators_file_decides_on_every_request()
    {
        await using var stack = await OperationsStack.StartAsync("signin");
        stack.StartWorkers("operations");
        var (certificate, key) = SelfSigned();
        await using var console = await LocalConsole.StartAsync(stack.Swaps with { ConsoleTls = (certificate, key) },
            signIns: [Ann, Bob, Cy, Dee]);
        Assert.Equal("https", console.Url.Scheme);

        // Signed in over TLS: every cookie the console sets is Secure (and HttpOnly where it says who you are).
        using var ann = Client(console.Url);
        var (status, location, cookies) = await SignInAsync(ann, Ann.Name, Ann.Password, returnUrl: "/\\evil.example",
            code: await console.CodeAsync(Ann.Name));
        Assert.Equal((HttpStatusCode.Redirect, "/"), (status, location));   // not back to another site
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(cookies, c => c.StartsWith("cp-console=", StringComparison.Ordinal)
            && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, (await ann.Client.GetAsync("/payouts")).StatusCode);
        Assert.Equal("/payouts/x", (await SignInAsync(Client(console.Url), Ann.Name, Ann.Password, "/payouts/x",
            await console.CodeAsync(Ann.Name))).Location);
        await SecondFactorAsync(console);

        // Five wrong passwords for cy: the sixth try is refused even with the right one, and other operators are not
        // locked out.
        using var guesser = Client(console.Url);
        for (var i = 0; i < SignInThrottle.FailuresPerAccountMax; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(guesser, Cy.Name, "wrong-" + i)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(guesser, Cy.Name, Cy.Password)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(Client(console.Url), Dee.Name, Dee.Password,
            code: await console.CodeAsync(Dee.Name))).Status);

        // From one address, twenty failures across names close sign-in from there for every name.
        // (bob's five with his second factor and cy's five so far)
        for (var i = 2 * SignInThrottle.FailuresPerAccountMax; i < SignInThrottle.FailuresPerAddressMax; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(guesser, "nobody-" + i, "wrong")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(Client(console.Url), Dee.Name, Dee.Password,
            code: await console.CodeAsync(Dee.Name))).Status);

        // ann removed from the operators file: her cookie, still valid for hours, opens nothing from the next request
        // on.
        var file = await File.ReadAllTextAsync(console.OperatorsFile);
        string? without = null;
        foreach (var a in Operators.Parse(file, "test").All.Where(a => a.Name != Ann.Name))
            without = Operators.WithAccount(without, a);
        await File.WriteAllTextAsync(console.OperatorsFile, without);
        var after = await ann.Client.GetAsync("/payouts");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/signin",
            after.Headers.Location!.OriginalString.Replace(console.Url.ToString().TrimEnd('/'), "",
                StringComparison.Ordinal),
            StringComparison.Ordinal);
    }

    /// <summary>
    /// bob, an admin, signs in with his password and the code of his authenticator: not without it, not with a wrong
    /// one, and not with one the console has seen already; each of those counts as a failed sign-in. cy, a viewer,
    /// needs no code.
    /// </summary>
    private static async Task SecondFactorAsync(LocalConsole console)
    {
        using var bob = Client(console.Url);
        var missing = await SignInAsync(bob, Bob.Name, Bob.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.DoesNotContain(missing.Cookies, c => c.StartsWith("cp-console=", StringComparison.Ordinal));
        // A six-digit code that is none of the steps the console accepts now (nor in the next minute).
        var wrong = Enumerable.Range(0, 10).Select(i => (i * 111_111).ToString("D6", CultureInfo.InvariantCulture))
            .First(c => Enumerable.Range(0, 4).All(s =>
                OperatorTotp.Match(console.TotpSecrets[Bob.Name], c,
                    DateTimeOffset.UtcNow.AddSeconds(s * 30)) is null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(bob, Bob.Name, Bob.Password, code: wrong)).Status);
        var right = await console.CodeAsync(Bob.Name);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(bob, Bob.Name, "not-bobs", code: right)).Status);
        var signedIn = await SignInAsync(bob, Bob.Name, Bob.Password, code: right);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
        Assert.Contains(signedIn.Cookies, c => c.StartsWith("cp-console=", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await bob.Client.GetAsync("/payouts")).StatusCode);
        // The same code again, from another browser: refused, though it is still within its step.
        using var replay = Client(console.Url);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await SignInAsync(replay, Bob.Name, Bob.Password, code: right)).Status);
        // Those were bob's four failures: one more and even his right password and a fresh code are refused for a
        // while.
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await SignInAsync(replay, Bob.Name, Bob.Password, code: "12345")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await SignInAsync(replay, Bob.Name, Bob.Password, code: await console.CodeAsync(Bob.Name))).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(Client(console.Url), Cy.Name, Cy.Password)).Status);
    }

    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1_111_111_109L, "07081804")]
    [InlineData(1_111_111_111L, "14050471")]
    [InlineData(1_234_567_890L, "89005924")]
    [InlineData(2_000_000_000L, "69279037")]
    [InlineData(20_000_000_000L, "65353130")]
    public void Codes_are_rfc_6238s_hmac_sha1_codes(long unixSeconds, string eightDigits)
    {
        // RFC 6238, appendix B (SHA-1, seed "12345678901234567890"): the console's six digits are the vectors' last
        // six.
        var secret = System.Text.Encoding.ASCII.GetBytes("12345678901234567890");
        var at = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        Assert.Equal(eightDigits[2..], OperatorTotp.Code(secret, at));
        Assert.Equal(OperatorTotp.Step(at), OperatorTotp.Match(secret, eightDigits[2..], at));
        // One step either side is accepted (clocks drift), two is not.
        Assert.Equal(OperatorTotp.Step(at),
            OperatorTotp.Match(secret, eightDigits[2..], at.AddSeconds(OperatorTotp.StepSeconds)));
        Assert.Null(OperatorTotp.Match(secret, eightDigits[2..], at.AddSeconds(2 * OperatorTotp.StepSeconds)));
        Assert.Null(OperatorTotp.Match(secret, eightDigits, at));
        Assert.Null(OperatorTotp.Match(secret, null, at));
    }

    [Fact]
    public void A_step_signs_in_once_and_an_earlier_one_never_after()
    {
        var steps = new TotpSteps();
        Assert.True(steps.TryUse("bob", 100));
        Assert.False(steps.TryUse("BOB", 100));
        Assert.False(steps.TryUse("bob", 99));
        Assert.True(steps.TryUse("bob", 101));
        Assert.True(steps.TryUse("ann", 100));
    }

    [Fact]
    public void Approvers_and_admins_are_enrolled_with_a_sealed_secret_viewers_are_not()
    {
        var file = Path.Combine(Path.GetTempPath(), $"operators-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, ContestPipeline.Cpctl.Credentials.ConsoleCommands.AddOperator(file, "ann",
                OperatorRoles.Approver, "ann-pass-1"));
            Assert.Equal(0, ContestPipeline.Cpctl.Credentials.ConsoleCommands.AddOperator(file, "cy",
                OperatorRoles.Viewer, "cy-pass-1"));
            var operators = Operators.Parse(File.ReadAllText(file), file);
            var sealedSecret = operators.Find("ann")!.Totp!;
            Assert.Equal(20, sealedSecret.Open("ann", "ann-pass-1")!.Length);
            Assert.Null(sealedSecret.Open("ann", "another"));
            Assert.Null(sealedSecret.Open("bob", "ann-pass-1"));
            Assert.DoesNotContain("ann-pass-1", File.ReadAllText(file), StringComparison.Ordinal);
            Assert.Null(operators.Find("cy")!.Totp);
            Assert.True(OperatorTotp.Required(OperatorRoles.Admin) && !OperatorTotp.Required(OperatorRoles.Viewer));
            Assert.StartsWith("otpauth://totp/", OperatorTotp.Uri("ann", new byte[20]), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
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
        return new Session(new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) },
            cookies);
    }

    private static async Task<(HttpStatusCode Status, string? Location, List<string> Cookies)> SignInAsync(Session s,
        string name, string password,
        string returnUrl = "", string code = "")
    {
        var page = await s.Client.GetStringAsync("/signin");
        var token = TokenField().Match(page).Groups[1].Value;
        using var response = await s.Client.PostAsync("/signin",
            new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = WebUtility.HtmlDecode(token), ["name"] = name, ["password"] = password,
            ["returnUrl"] = returnUrl, ["code"] = code,
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
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
