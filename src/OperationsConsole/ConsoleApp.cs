using System.Security.Claims;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.OperationsConsole.Pages;
using ContestPipeline.OperationsConsole.Rendering;
using ContestPipeline.Operations.Queries.Alerts;
using ContestPipeline.Operations.Queries.Audit;
using ContestPipeline.Operations.Queries.Balance;
using ContestPipeline.Operations.Queries.Contests;
using ContestPipeline.Operations.Queries.Notifications;
using ContestPipeline.Operations.Queries.Payouts;
using ContestPipeline.Operations.Queries.Players;
using ContestPipeline.Operations.Queries.StripeEvents;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ContestPipeline.Deployment;
using ContestPipeline.OperationsConsole.SignIn;

namespace ContestPipeline.OperationsConsole;

/// <summary>
/// The console's wiring: settings checked at start (one line and exit code 2 when wrong, as a
/// worker), cookie sign-in for the operators in the operators file, every page and action behind
/// sign-in, an anti-forgery check on every POST, the read model to read and the decision
/// publisher to act.
/// </summary>
public static class ConsoleApp
{
    public const string Name = "console";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        ConsoleOptions options;
        PipelineSettings settings;
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate;
        try
        {
            settings = PipelineSettings.Resolve(builder.Configuration);
            options = ConsoleOptions.Read(builder.Configuration);
            certificate = options.TlsCertificate(settings.Environment);
            await PipelineWorker.CheckPostgresAsync(settings.PostgresConnectionString);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"{Name}: {e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        builder.WebHost.UseUrls(options.Url);
        if (certificate is not null)
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        AddServices(builder.Services, options, settings);
        // Metrics, traces and the health port as every worker has them; ready while the read model answers.
        builder.Services.AddPipelineObservability(Name, builder.Configuration, settings.Environment);
        builder.Services.AddHealthChecks().AddDatabase(sp => sp.GetRequiredService<NpgsqlDataSource>());
        await using var app = builder.Build();
        Map(app);
        await app.StartAsync();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ContestPipeline.Console");
        logger.LogInformation("Console listening on {Urls} ({Operators} operators may sign in)",
            string.Join(", ", app.Urls), options.Operators.All.Count);
        await app.WaitForShutdownAsync();
        return 0;
    }

    public static void AddServices(IServiceCollection services, ConsoleOptions options, PipelineSettings settings)
    {
        // Over TLS the cookies are Secure; a plain-HTTP console (development, tests) is refused in production at start.
        var secure = options.Url.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
            ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        DapperDefaults.Apply();
        services.AddSingleton(options);
        services.AddSingleton(sp =>
            new OperatorDirectory(
                sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(), options.Operators));
        services.AddTransient(sp => sp.GetRequiredService<OperatorDirectory>().Current());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<TotpSteps>();
        services.AddSingleton<OperatorSessions>();
        services.AddHttpContextAccessor();
        services.AddSingleton(_ => NpgsqlDataSource.Create(settings.PostgresConnectionString));
        AddReadStores(services);
        // The console signs its decisions as the operator producer: without the key it does not start.
        var signer = SigningKeys.Resolve(null, settings.Environment)
            .SignerFor(Producers.Operator, readersOf: KeyPairs.ReadersOf);
        services.AddSingleton(sp => new DecisionPublisher(
            settings.KafkaBootstrapServers, Decisions.Tool, signer,
            sp.GetRequiredService<ILogger<DecisionPublisher>>()));
        services.AddSingleton<Decisions>();
        services.AddSingleton<Ui>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "cp-console-af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secure;
            o.FormFieldName = "__csrf";
        });
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "cp-console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secure;
            o.LoginPath = "/signin";
            o.AccessDeniedPath = "/signin";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            // The cookie says who signed in; the operators file says, on every request, whether they
            // still may and as what.
            o.Events.OnValidatePrincipal = ctx =>
            {
                var name = ctx.Principal?.Identity?.Name;
                var operators = ctx.HttpContext.RequestServices.GetRequiredService<Operators>();
                var account = name is null ? null : operators.Find(name);
                // The session's key is in memory only: after a restart of the console, everyone signs in again.
                var session = ctx.Principal?.FindFirstValue(OperatorSessions.Claim);
                var sessions = ctx.HttpContext.RequestServices.GetRequiredService<OperatorSessions>();
                if (account is null || sessions.Find(session) is null)
                {
                    ctx.RejectPrincipal();
                    return ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }
                if (ctx.Principal!.FindFirstValue(ClaimTypes.Role) != account.Role)
                {
                    ctx.ReplacePrincipal(Principal(account, session!));
                    ctx.ShouldRenew = true;
                }
                return Task.CompletedTask;
            };
        });
        // No page or action without sign-in: the fallback policy covers every endpoint that does not say otherwise.
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    /// <summary>
    /// The read model's stores, one per thing the pages read, each over the one data source: a page takes
    /// those it reads.
    /// </summary>
    private static void AddReadStores(IServiceCollection services)
    {
        services.AddSingleton<ContestReadStore>();
        services.AddSingleton<PayoutReadStore>();
        services.AddSingleton<AlertReadStore>();
        services.AddSingleton<BalanceReadStore>();
        services.AddSingleton<StripeEventReadStore>();
        services.AddSingleton<PlayerReadStore>();
        services.AddSingleton<PlayerLimitReadStore>();
        services.AddSingleton<AuditReadStore>();
        services.AddSingleton<DeliveryReadStore>();
    }

    public static void Map(WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        var ui = app.Services.GetRequiredService<Ui>();

        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        app.MapGet("/signin", (HttpContext c) => SignInPage(ui, c, null)).AllowAnonymous();
        app.MapPost("/signin", async (HttpContext c, Operators operators, Decisions decisions,
            SignInThrottle throttle, OperatorSessions sessions, TotpSteps steps, TimeProvider clock) =>
        {
            var form = await c.Request.ReadFormAsync();
            var name = form["name"].ToString();
            var address = c.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            if (throttle.RefusedUntil(name, address) is { } until)
                return SignInPage(ui, c,
                    "Too many failed sign-ins for this operator or from this address; "
                        + $"try again after {until:HH:mm} UTC.",
                    StatusCodes.Status429TooManyRequests);
            var account = operators.Verify(name, form["password"]);
            if (account is null)
            {
                throttle.Failed(name, address);
                return SignInPage(ui, c, "Unknown name or wrong password.", StatusCodes.Status401Unauthorized);
            }
            // The operator's own key opens with their password only; it lives in memory while they stay signed in.
            if (account.Key?.Open(account.Name, form["password"].ToString()) is not { } key)
                return SignInPage(ui, c, $"No operator's key is on file for {account.Name} (or it was sealed under " +
                    "another password): ask an admin to issue one (docs/operations.md, \"Operator keys\").",
                    StatusCodes.Status403Forbidden);
            // What the services accept from this operator is what their key was issued for, not the account's role.
            if (key.Role != account.Role)
                return SignInPage(ui, c, $"{account.Name}'s key was issued for the role {key.Role}, their account is " +
                    $"{account.Role}'s: ask an admin to issue a key for {account.Role} (docs/operations.md, " +
                    "\"Operator keys\").", StatusCodes.Status403Forbidden);
            if (SecondFactorRefusal(account, form, steps, clock) is { } refusal)
            {
                if (refusal.Status == StatusCodes.Status401Unauthorized) throttle.Failed(name, address);
                return SignInPage(ui, c, refusal.Message, refusal.Status);
            }
            var session = sessions.Open(key);
            await c.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(account, session));
            await decisions.AuditAsync(key, account.Role, Guid.NewGuid().ToString("N"), "sign-in", account.Name, "",
                "signed in", c.RequestAborted);
            var back = form["returnUrl"].ToString();
            return Results.Redirect(LocalPath.IsLocal(back) ? back : "/");
        }).AllowAnonymous().AddEndpointFilter(CheckAntiforgery);
        app.MapPost("/signout", async (HttpContext c, OperatorSessions sessions) =>
        {
            sessions.Close(c.User.FindFirstValue(OperatorSessions.Claim));
            await c.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/signin");
        }).AddEndpointFilter(CheckAntiforgery);

        var pages = app.MapGroup("");
        DashboardPage.Map(pages);
        ContestPages.Map(pages);
        PayoutPages.Map(pages);
        AlertPages.Map(pages);
        BalancePage.Map(pages);
        RevenuePage.Map(pages);
        WebhookPage.Map(pages);
        NotificationPage.Map(pages);
        PlayerPages.Map(pages);
        AuditPages.Map(pages);
    }

    /// <summary>
    /// Approvers and admins sign in with a six-digit code from their authenticator too (<see cref="OperatorTotp"/>):
    /// checked on the injected clock, one step either side, each step once; a wrong, missing or used code counts as a
    /// failed sign-in. Null when no code is needed or the code is good.
    /// </summary>
    private static (string Message, int Status)? SecondFactorRefusal(OperatorAccount account, IFormCollection form,
        TotpSteps steps, TimeProvider clock)
    {
        if (!OperatorTotp.Required(account.Role)) return null;
        if (account.Totp?.Open(account.Name, form["password"].ToString()) is not { } secret)
            return ($"No authenticator is enrolled for {account.Name} (an {account.Role} signs in with a code too): " +
                "ask an admin to enrol one with cpctl console operator add " +
                "(docs/operations-console.md, \"Second factor\").",
                StatusCodes.Status403Forbidden);
        if (OperatorTotp.Match(secret, form["code"].ToString().Trim(), clock.GetUtcNow()) is not { } step)
            return ("Missing or wrong authenticator code.", StatusCodes.Status401Unauthorized);
        return steps.TryUse(account.Name, step) ? null
            : ("That authenticator code was used already; wait for the next one.", StatusCodes.Status401Unauthorized);
    }

    private static ClaimsPrincipal Principal(OperatorAccount account, string session) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, account.Name), new Claim(ClaimTypes.Role, account.Role),
            new Claim(OperatorSessions.Claim, session),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>
    /// Every POST carries the anti-forgery token of a form this console served to this operator, or is refused.
    /// </summary>
    public static async ValueTask<object?> CheckAntiforgery(
        EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var c = context.HttpContext;
        try
        {
            await c.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(c);
        }
        catch (AntiforgeryValidationException)
        {
            return c.RequestServices.GetRequiredService<Ui>().Problem(c, "Refused",
                ["The form's anti-forgery token is missing or invalid; reload the page and try again."]);
        }
        return await next(context);
    }

    /// <summary>A POST that publishes a decision: checked for its token, and for the role it needs.</summary>
    public static RouteHandlerBuilder Action(this RouteGroupBuilder group, string pattern, Delegate handler) =>
        group.MapPost(pattern, handler).AddEndpointFilter(CheckAntiforgery);

    private static IResult SignInPage(Ui ui, HttpContext c, string? error, int status = 200)
    {
        var returnUrl = c.Request.Query["ReturnUrl"].ToString();
        return ui.Page(c, "Sign in", $"""
            {(error is null ? "" : $"<p class=\"error\" id=\"signin-error\">{Html.Encode(error)}</p>")}
            <form method="post" action="/signin" id="signin">{ui.Token(c)}
              <input type="hidden" name="returnUrl" value="{Html.Encode(returnUrl)}">
              <p><label>Operator <input name="name" id="name" autocomplete="username" required></label></p>
              <p><label>Password <input name="password" id="password" type="password"
                autocomplete="current-password" required></label></p>
              <p><label>Authenticator code <input name="code" id="code" inputmode="numeric" autocomplete="one-time-code"
                maxlength="6" size="8"></label> <span class="muted">(approvers and admins)</span></p>
              <p><button id="signin-button">Sign in</button></p>
            </form>
            <p class="muted">Operators are listed in the operators file (CONTESTPIPELINE_CONSOLE_OPERATORS_FILE);
              add one with <code>cpctl console operator add</code>.</p>
            """, status);
    }
}
