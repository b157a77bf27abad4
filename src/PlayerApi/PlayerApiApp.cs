using System.Text.Json;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Operations.Queries.Contests;
using ContestPipeline.Operations.Queries.Players;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ContestPipeline.PlayerApi.Limits;
using ContestPipeline.PlayerApi.Links;
using ContestPipeline.PlayerApi.Standings;

namespace ContestPipeline.PlayerApi;

/// <summary>
/// The platform's read API: <c>GET /players/{playerId}/statement</c>, a player's entries, winnings
/// and where each payout stands, and their Stripe account's balance and bank payouts, for the platform's backend to
/// show in its app. Every request carries a bearer token the platform holds and this API knows only by its hash. It
/// reads as the role <c>cp_player_api</c> (DatabaseRoles.PlayerApi), granted SELECT on the read model's entries,
/// payouts, contests, recipient_accounts, recipient_balances, bank_payouts, final_standings and live_standings by
/// the read model's migrator, and to add and read payout.onboarding_link_requests and payout.login_link_requests by
/// Payout's (<c>POST /recipients/{playerId}/onboarding-link</c> and <c>/login-link</c>, <see cref="LinkEndpoint"/>,
/// each for a signed-in player's token as well, <see cref="PlayerTokens"/>),
/// and to ask for a player's responsible-gaming limits to change and read them (<c>/players/{playerId}/limits</c>,
/// <see cref="LimitsEndpoint"/>) through Ingestion's player_limit_requests and player_limits; and it shows a contest's
/// standings, final or live (<c>GET /contests/{contestId}/standings</c>, <see cref="StandingsEndpoint"/>); nothing
/// else.
/// Settings are checked at start (one line and exit code 2 when wrong, as a worker).
/// </summary>
public static class PlayerApiApp
{
    public const string Name = "player-api";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        PlayerApiOptions options;
        string postgres;
        DeploymentEnvironment environment;
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate;
        try
        {
            environment = DeploymentEnvironments.Read(builder.Configuration);
            postgres = PipelineSettings.ResolvePostgres(builder.Configuration, environment);
            options = PlayerApiOptions.Read(builder.Configuration);
            certificate = options.TlsCertificate(environment);
            await PipelineWorker.CheckPostgresAsync(postgres);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"{Name}: {e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        builder.WebHost.UseUrls(options.Url);
        if (certificate is not null)
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        DapperDefaults.Apply();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        builder.Services.AddSingleton<PlayerReadStore>();
        builder.Services.AddSingleton<LinkRequestStore>();
        builder.Services.AddSingleton<PlayerLimitReadStore>();
        builder.Services.AddSingleton<ContestReadStore>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddPipelineObservability(Name, builder.Configuration, environment);
        builder.Services.AddHealthChecks().AddDatabase(sp => sp.GetRequiredService<NpgsqlDataSource>());
        await using var app = builder.Build();
        Map(app);
        await app.StartAsync();
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ContestPipeline.PlayerApi")
            .LogInformation("Player read API listening on {Urls} ({Tokens} tokens accepted, {Keys} sign-in keys for "
                + "players' tokens)", string.Join(", ", app.Urls), options.TokenHashes.Count,
                options.PlayerTokens.KeyCount);
        await app.WaitForShutdownAsync();
        return 0;
    }

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/players/{playerId}/statement", async (
            HttpContext c, PlayerApiOptions o, PlayerReadStore q, string playerId) =>
        {
            if (PlayerApiAnswers.Refusal(c, o, "playerId", playerId) is { } refused) return refused;
            return Results.Json(await q.PlayerStatementAsync(playerId), OutgoingMessage.Json);
        });
        app.MapGet("/players/{playerId}/limits", LimitsEndpoint.GetAsync);
        app.MapPost("/players/{playerId}/limits", LimitsEndpoint.SetAsync);
        app.MapGet("/contests/{contestId}/standings", StandingsEndpoint.GetAsync);
        var options = app.Services.GetRequiredService<PlayerApiOptions>();
        foreach (var kind in new[] { LinkKind.Onboarding(options), LinkKind.Login(options) })
            app.MapPost($"/recipients/{{playerId}}/{kind.Name}-link", (HttpContext c, LinkRequestStore requests,
                TimeProvider clock, string playerId) => LinkEndpoint.HandleAsync(kind, c, options, requests, clock,
                playerId));
    }
}
