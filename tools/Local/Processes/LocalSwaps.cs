using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.StripeEmulation;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// Everything a development machine runs differently from docker-compose.yml, named in this one
/// place; every other part of a process's identity (its database role, the secret files it is
/// given, the signing keys it holds, its settings) is the definition's (<see cref="Services"/>),
/// applied by <see cref="LocalServices"/>. docs/deployment.md says why none of these can go.
/// <list type="number">
/// <item>Images → this clone's build outputs, run with <c>dotnet</c> (no image can be pulled or built here).</item>
/// <item>Three brokers, SASL/SCRAM over TLS with an authorizer → the local broker (librdkafka's
/// mock cluster: plaintext, no principals, no ACLs, topics provisioned through its control endpoint).</item>
/// <item>Compose's postgres → the machine's PostgreSQL: the same roles (the development password),
/// one database per run, made as the postgres image makes its database.</item>
/// <item>Stripe → the Stripe-compatible server: plain HTTP, test-mode keys and events.</item>
/// <item>production → staging (test money; crash points, refused in staging, make a process <c>test</c>).</item>
/// <item>Containers → processes on one host: secret files and key folders in the run's directory
/// instead of mounts, and ports picked free instead of each container's own.</item>
/// </list>
/// </summary>
public sealed record LocalSwaps
{
    /// <summary>
    /// The Kafka the run talks to instead of the three brokers: the local broker, or any real cluster reachable in
    /// plaintext (e.g. a single-broker Apache Kafka container).
    /// </summary>
    public required string BootstrapServers { get; init; }

    /// <summary>
    /// The local broker's state file (its control endpoint), when <see cref="BootstrapServers"/> is the local broker:
    /// its topics are provisioned through that endpoint. Null for a real cluster, whose topics the job creates
    /// through the Kafka admin API.
    /// </summary>
    public string? BrokerFile { get; init; }

    /// <summary>Any connection string to the run's database: its host, port and database replace compose's.</summary>
    public required string Postgres { get; init; }

    /// <summary>The Stripe-compatible server, for Stripe.</summary>
    public required StripeEmulator Stripe { get; init; }

    public DeploymentEnvironment Environment { get; init; } = DeploymentEnvironment.Staging;

    /// <summary>Where the run keeps each process's secret files and key folder.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Every pair's keys (generated first where missing), from which each process's folder is laid
    /// out.</summary>
    public string KeysSource { get; init; } = LocalSigningKeys.Setting.Value!;

    /// <summary>
    /// The operators who may sign in to the console (the operators file's text), when a console runs.
    /// </summary>
    public string? ConsoleOperators { get; init; }

    /// <summary>The console's certificate and key (PEM) when it serves https here; null: plain HTTP on
    /// loopback.</summary>
    public (string CertificatePem, string KeyPem)? ConsoleTls { get; init; }

    /// <summary>
    /// The hex SHA-256 of each token the platform's read API accepts (its tokens file's text), when it runs.
    /// </summary>
    public string? PlayerApiTokens { get; init; }

    /// <summary>
    /// The public key (PEM) of the sign-in that signs players' tokens for the read API, when it runs.
    /// </summary>
    public string? PlayerTokenKeys { get; init; }

    /// <summary>The secret the notification sender signs the platform's webhooks with, here.</summary>
    public string PlatformWebhookSecret { get; init; } = "local-platform-webhook-secret";

    /// <summary>
    /// The swaps of a run: its Kafka (<paramref name="brokerFile"/> when it is the local broker, null for a real
    /// cluster), its database, its Stripe-compatible server, its directory.
    /// </summary>
    public static LocalSwaps For(string runDirectory, string bootstrapServers, string? brokerFile, string postgres,
        StripeEmulator stripe) => new()
    {
        RunDirectory = runDirectory, BootstrapServers = bootstrapServers, BrokerFile = brokerFile,
            Postgres = postgres, Stripe = stripe,
    };

    /// <summary>The swaps of a run on the local broker.</summary>
    public static LocalSwaps For(string runDirectory, LocalBrokerProcess broker, string postgres,
        StripeEmulator stripe) => For(runDirectory, broker.BootstrapServers, broker.StateFile, postgres, stripe);

    /// <summary>The Kafka settings the local broker has no use for: it authenticates nobody.</summary>
    public static IReadOnlySet<string> KafkaSecuritySettings { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        KafkaSecurity.ProtocolVariable, KafkaSecurity.SaslMechanismVariable, KafkaSecurity.SaslUsernameVariable,
        KafkaSecurity.SaslPasswordVariable + Setting.FileSuffix, KafkaSecurity.CaVariable,
            KafkaSecurity.CertificateVariable, KafkaSecurity.KeyVariable,
    };

    /// <summary>
    /// A secret file's content here; null for the Kafka secrets, which the local broker does not use.
    /// </summary>
    public string? SecretValue(string secret) => secret switch
    {
        // Each service's own restricted key, as the Stripe-compatible server enforces it.
        Services.StripeIngestionKey => Stripe.IngestionKey,
        Services.StripePayoutKey => Stripe.PayoutKey,
        Services.StripeBalanceReadKey => Stripe.BalanceReadKey,
        Services.StripeWebhookSecrets => Stripe.WebhookSecret,
        Services.ConsoleOperators => ConsoleOperators
            ?? throw new InvalidOperationException("the console needs an operators file: set " +
            "LocalSwaps.ConsoleOperators"),
        Services.PlayerApiTokens => PlayerApiTokens
            ?? throw new InvalidOperationException("the read API needs its tokens: set LocalSwaps.PlayerApiTokens"),
        Services.PlayerApiPlayerTokenKeys => PlayerTokenKeys ?? throw new InvalidOperationException(
            "the read API needs the sign-in's public key: set LocalSwaps.PlayerTokenKeys"),
        Services.PlatformWebhookSecret => PlatformWebhookSecret,
        // Over plain HTTP (development, tests, staging here) the console is given no certificate.
        Services.ConsoleTlsCertificate => ConsoleTls?.CertificatePem,
        Services.ConsoleTlsKey => ConsoleTls?.KeyPem,
        // Likewise the read API: served over plain HTTP on loopback here (LocalPlayerApi), never in production.
        Services.PlayerApiTlsCertificate or Services.PlayerApiTlsKey => null,
        // The local SMTP server asks for no password; the file is there as compose gives it.
        Services.SmtpPassword => "local-smtp-password",
        Services.KafkaCa or Services.KafkaAdminCertificate or Services.KafkaAdminKey => null,
        _ when secret.StartsWith("kafka_", StringComparison.Ordinal) => null,
        _ when secret.StartsWith("pg_", StringComparison.Ordinal) => PipelineSettings.DevelopmentPassword,
        _ => throw new InvalidOperationException(
            $"no local value for the secret {secret}: name it in LocalSwaps.SecretValue"),
    };
}
