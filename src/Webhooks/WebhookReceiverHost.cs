using System.Runtime.InteropServices;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ContestPipeline.Webhooks;

/// <summary>
/// The receiver as a process of its own (the Webhooks executable):
/// secrets from <see cref="SecretsVariable"/>, Kafka from the usual settings, until Ctrl-C or SIGTERM.
/// </summary>
public static class WebhookReceiverHost
{
    /// <summary>The endpoint's signing secrets, comma-separated (two while a secret is rolled).</summary>
    public const string SecretsVariable = "CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS";

    /// <summary>Where to listen when no URL is given (default http://127.0.0.1:0).</summary>
    public const string ListenUrlVariable = "CONTESTPIPELINE_WEBHOOKS_URL";

    public const int ExitFailed = 1;

    public static WebhookReceiverOptions OptionsFromEnvironment(string? listenUrl, ILoggerFactory loggerFactory,
        IConfiguration? configuration = null)
    {
        var secrets = Setting.List(configuration, SecretsVariable);
        if (secrets.Count == 0)
            throw new StartupException($"no webhook signing secrets: set {SecretsVariable} (whsec_..., " +
                "comma-separated)");
        if (secrets.Any(s => !s.StartsWith("whsec_", StringComparison.Ordinal)))
            throw new StartupException($"{SecretsVariable}: every secret starts with whsec_ (is an API key there?)");
        var settings = PipelineSettings.Resolve(configuration);
        listenUrl ??= Setting.Text(configuration, ListenUrlVariable);
        return new WebhookReceiverOptions
        {
            BootstrapServers = settings.KafkaBootstrapServers,
            SigningSecrets = secrets,
            Signer = SigningKeys.Resolve(configuration, settings.Environment).SignerFor(Producers.Webhooks),
            ListenUrl = string.IsNullOrWhiteSpace(listenUrl) ? WebhookReceiverOptions.ListenUrlDefault : listenUrl,
            Environment = settings.Environment,
            LoggerFactory = loggerFactory,
            Observability = true,
        };
    }

    public static async Task<int> RunAsync(string? listenUrl, CancellationToken ct)
    {
        DeploymentEnvironment environment;
        try
        {
            environment = DeploymentEnvironments.Read(null);
            Observability.JsonLogs(null, environment);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"webhooks: {e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        // One line per event from the receiver itself; ASP.NET Core's per-request lines would double it.
        using var loggerFactory = LoggerFactory.Create(b =>
        {
            Observability.ConfigureLogging(b, null, environment);
            b.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        });
        WebhookReceiver receiver;
        try
        {
            var options = OptionsFromEnvironment(listenUrl, loggerFactory);
            KafkaClients.ProbeBroker(options.BootstrapServers, TimeSpan.FromMilliseconds(Limits.StartupProbeTimeoutMs),
                [options.Topic]);
            receiver = await WebhookReceiver.StartAsync(options, ct);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"webhooks: {e.Message}");
            return PipelineWorker.ExitStartupFailed;
        }
        await using (receiver)
        {
            Console.WriteLine($"Stripe webhooks ({DeploymentEnvironments.Name(receiver.Environment)}): " +
                $"{receiver.Url} -> {receiver.Topic}   stop with Ctrl-C or SIGTERM");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
                { c.Cancel = true; stop.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
                { c.Cancel = true; stop.Cancel(); });
            await receiver.WaitForShutdownAsync(stop.Token);
            if (receiver.FailedFatally)
            {
                await Console.Error.WriteLineAsync("webhooks: stopped after a fatal Kafka error");
                return ExitFailed;
            }
        }
        Console.WriteLine("Stripe webhooks stopped");
        return 0;
    }
}
