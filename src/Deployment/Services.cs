using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;

namespace ContestPipeline.Deployment;

/// <summary>
/// Every deployable's identity, defined once: the four workers, the read model, the console, the
/// webhook receiver, the platform's read API, the topics and migrate jobs, and cpctl inside the stack.
/// docker-compose.yml is generated from these (cpctl compose; a test fails when the file and the definition differ),
/// and every local run (the demo, ./run up, the campaign, the benchmarks and every test that
/// starts a process) starts each process from its identity here. Setting names are the
/// processes' own constants (a test checks that each is one a process reads).
/// </summary>
public static class Services
{
    /// <summary>The environment compose runs: production (live money).</summary>
    public const string Environment = "production";

    public const string PostgresHost = "postgres";
    public const int PostgresPort = 5432;
    public const string Database = "contestpipeline";

    /// <summary>The Kafka cluster's client listeners: three brokers, SASL/SCRAM over TLS.</summary>
    public static IReadOnlyList<string> KafkaBrokers { get; } = ["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"];

    /// <summary>Where workers and the webhook receiver answer their health checks, inside their containers.</summary>
    public const int HealthPort = 8081;

    /// <summary>
    /// Ingestion's restricted Stripe key: read PaymentIntents and charges, nothing else (it verifies payments; it
    /// moves no money).
    /// </summary>
    public const string StripeIngestionKey = "stripe_ingestion_key";

    /// <summary>
    /// Payout's restricted Stripe key: transfers, refunds, connected accounts, account links and login links; reads
    /// the balance, disputes, connected accounts' payouts, PaymentIntents and charges.
    /// </summary>
    public const string StripePayoutKey = "stripe_payout_key";

    public const string StripeBalanceReadKey = "stripe_balance_read_key";
    public const string StripeWebhookSecrets = "stripe_webhook_secrets";
    public const string ConsoleOperators = "console_operators";
    public const string ConsoleTlsCertificate = "console_tls_certificate";
    public const string ConsoleTlsKey = "console_tls_key";
    public const string PlayerApiTlsCertificate = "player_api_tls_certificate";
    public const string PlayerApiTlsKey = "player_api_tls_key";
    public const string PlayerApiTokens = "player_api_tokens";
    public const string PlayerApiPlayerTokenKeys = "player_api_player_token_keys";
    public const string SmtpPassword = "smtp_password";
    public const string PlatformWebhookSecret = "platform_webhook_secret";
    public const string PostgresSuperuserPassword = "pg_superuser_password";

    /// <summary>
    /// The CA certificate the brokers' TLS certificates are signed by (a file, like a secret, though it is not one).
    /// </summary>
    public const string KafkaCa = "kafka_ca";

    /// <summary>
    /// The Kafka principal of the topics job: the cluster's administrator (a super user), who creates topics,
    /// principals and ACLs.
    /// </summary>
    public const string KafkaAdmin = "admin";

    /// <summary>
    /// The administrator's client certificate (CN=admin) and its key, for the brokers' internal listener.
    /// </summary>
    public const string KafkaAdminCertificate = "kafka_admin_certificate";
    public const string KafkaAdminKey = "kafka_admin_key";

    /// <summary>
    /// The brokers' listener for brokers, controllers and the administrator: TLS with client certificates.
    /// </summary>
    public const int KafkaInternalPort = 9094;

    /// <summary>The secret holding a database role's password: pg_&lt;role without cp_&gt;_password.</summary>
    public static string PostgresPassword(string role) => $"pg_{role["cp_".Length..]}_password";

    /// <summary>The secret holding a Kafka principal's SCRAM password.</summary>
    public static string KafkaPassword(string principal) => $"kafka_{principal}_password";

    /// <summary>
    /// Stripe's rate limit for the account (live mode is higher); each caller's share is its own setting, and the
    /// shares add up to at most this.
    /// </summary>
    public const int StripeAccountRequestsPerSecond = 25;

    public static ServiceIdentity Ingestion { get; } = Worker(Workers.Ingestion,
        "The edge: the provider's feed, contest definitions, paid entries (verified with Stripe, with the " +
            "restricted key that may only read payments).",
        Stripe(StripeIngestionKey, 5, 5));

    public static ServiceIdentity Scoring { get; } = Worker(Workers.Scoring,
        "The referee: standings, lock, LIVE and COMPLETE.");

    public static ServiceIdentity Settlement { get; } = Worker(Workers.Settlement,
        "Winners, prizes and the ledger. It moves no money: it reads Stripe's balance to check the ledger against " +
            "it, with the restricted key that may only read the balance.",
        Stripe(StripeBalanceReadKey, 1, 1));

    public static ServiceIdentity Payout { get; } = Worker(Workers.Payout,
        "Everything that moves money through Stripe: prize transfers, refunds, Stripe's events; with the restricted " +
            "key that may do only that.",
        Stripe(StripePayoutKey, 18, 5));

    public static ServiceIdentity Operations { get; } = Worker(Workers.Operations,
        "The operations read model: writes its own schema (operations) from the topics, reads no other; reads " +
            "Stripe's balance for the dashboard with the balance-read key.",
        Stripe(StripeBalanceReadKey, 1, 1));

    public static ServiceIdentity Notifier { get; } = Worker(Workers.Notifier,
        "The notification sender: operators' notifications by email through the SMTP server, players' to the " +
            "platform's webhook endpoint, signed with the secret they share; retried for days, then dead-lettered.",
        settings:
        [
            new("CONTESTPIPELINE_SMTP_HOST", "${SMTP_HOST:-smtp}"),
            new("CONTESTPIPELINE_SMTP_PORT", "${SMTP_PORT:-587}"),
            new("CONTESTPIPELINE_SMTP_SECURITY", "${SMTP_SECURITY:-starttls}"),
            new("CONTESTPIPELINE_SMTP_USER", "${SMTP_USER:-}"),
            new("CONTESTPIPELINE_NOTIFY_FROM", "${NOTIFY_FROM:-contestpipeline@localhost}"),
            new("CONTESTPIPELINE_NOTIFY_OPERATORS_EMAIL", "${NOTIFY_OPERATORS_EMAIL:-operators@localhost}"),
            new("CONTESTPIPELINE_PLATFORM_WEBHOOK_URL",
                "${PLATFORM_WEBHOOK_URL:-http://platform:8080/contestpipeline/notifications}"),
        ],
        secrets:
        [
            new(SmtpPassword, "CONTESTPIPELINE_SMTP_PASSWORD"),
            new(PlatformWebhookSecret, "CONTESTPIPELINE_PLATFORM_WEBHOOK_SECRET"),
        ]);

    public static ServiceIdentity Console { get; } = new()
    {
        Name = "console",
        Kind = ServiceKind.Web,
        Purpose = "The operations console: reads every schema as the read-only role, acts only by publishing signed " +
            "decisions. Operators who may sign in (salted hashes) come from a file: cpctl console operator add. " +
            "It serves https only, with its certificate and key from two secret files (deploy/secrets/README.md).",
        Command = ["console"],
        DatabaseRole = DatabaseRoles.Reader,
        KafkaPrincipal = "console",
        Keys = new KeyMaterial([Producers.Operator], []),
        Settings = [.. Common("console", health: false, keys: true), Postgres(DatabaseRoles.Reader),
            new("CONTESTPIPELINE_CONSOLE_URL", "https://0.0.0.0:5080")],
        Secrets = [.. PostgresSecrets(DatabaseRoles.Reader), .. KafkaSecrets("console"), new(ConsoleOperators,
            "CONTESTPIPELINE_CONSOLE_OPERATORS"),
            new(ConsoleTlsCertificate, "CONTESTPIPELINE_CONSOLE_TLS_CERTIFICATE", IsPath: true),
            new(ConsoleTlsKey, "CONTESTPIPELINE_CONSOLE_TLS_KEY", IsPath: true)],
        Port = 5080,
        HealthUrl = "https://127.0.0.1:5080/healthz",
        After = ["topics", "migrate"],
    };

    public static ServiceIdentity Webhooks { get; } = new()
    {
        Name = "webhooks",
        Kind = ServiceKind.Web,
        Purpose = "Stripe's callbacks: verifies them with the endpoint's signing secrets and puts them on " +
            "stripe.events. No database, no API key.",
        Command = ["webhooks"],
        KafkaPrincipal = "webhooks",
        Keys = new KeyMaterial([Producers.Webhooks], []),
        Settings = [.. Common("webhooks", health: true, keys: true), new("CONTESTPIPELINE_WEBHOOKS_URL",
            "http://0.0.0.0:8080")],
        Secrets = [.. KafkaSecrets("webhooks"), new(StripeWebhookSecrets, "CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS")],
        Port = 8080,
        HealthUrl = $"http://127.0.0.1:{HealthPort}{Observability.ReadyPath}",
        After = ["topics"],
    };

    public static ServiceIdentity PlayerApi { get; } = new()
    {
        Name = "player-api",
        Kind = ServiceKind.Web,
        Purpose = "The platform's read API: a player's entries, winnings and payouts for the platform's backend. " +
            "Reads three tables of the read model as its own role, and asks Payout for fresh onboarding links " +
            "through one table of Payout's; no Kafka, no signing key, no Stripe key. It serves https only, with its " +
            "certificate and key from two secret files (deploy/secrets/README.md).",
        Command = ["player-api"],
        DatabaseRole = DatabaseRoles.PlayerApi,
        Settings = [.. Common(null, health: false, keys: false), Postgres(DatabaseRoles.PlayerApi),
            new("CONTESTPIPELINE_PLAYER_API_URL", "https://0.0.0.0:5090")],
        Secrets = [.. PostgresSecrets(DatabaseRoles.PlayerApi), new(PlayerApiTokens,
            "CONTESTPIPELINE_PLAYER_API_TOKEN_SHA256"),
            new(PlayerApiTlsCertificate, "CONTESTPIPELINE_PLAYER_API_TLS_CERTIFICATE", IsPath: true),
            new(PlayerApiTlsKey, "CONTESTPIPELINE_PLAYER_API_TLS_KEY", IsPath: true),
            new(PlayerApiPlayerTokenKeys, "CONTESTPIPELINE_PLAYER_API_PLAYER_TOKEN_KEYS")],
        Port = 5090,
        HealthUrl = "https://127.0.0.1:5090/healthz",
        After = ["migrate"],
    };

    /// <summary>
    /// One-shot: creates the topics of the list that are missing, each service's Kafka
    /// principal (its SCRAM credential, from the same secret file the service reads) and the ACLs
    /// cpctl acls generates. It connects as the cluster's administrator with a client certificate
    /// on the brokers' internal listener (the SCRAM principals do not exist before it ran). Every
    /// service that uses Kafka starts only after it succeeded.
    /// </summary>
    public static ServiceIdentity Topics { get; } = new()
    {
        Name = "topics",
        Kind = ServiceKind.Job,
        Purpose = "One-shot: creates the missing topics of the topic list, every service's and provider's Kafka " +
            "principal (SCRAM, from its own password file) and the generated ACLs, as the cluster's administrator (a " +
            "client certificate on the internal listener). Services that use Kafka start after it.",
        Command = ["cpctl", "topics", "apply", "--acls"],
        KafkaPrincipal = KafkaAdmin,
        Settings =
        [
            new(PipelineSettings.EnvironmentVariable, Environment),
            new(PipelineSettings.KafkaVariable, string.Join(',', KafkaBrokers.Select(b => b.Replace(":9092", ":"
                + Text(KafkaInternalPort), StringComparison.Ordinal)))),
            new(KafkaSecurity.ProtocolVariable, "ssl"),
            new(Observability.LogFormatVariable, "json"),
        ],
        Secrets =
        [
            new(KafkaCa, KafkaSecurity.CaVariable, IsPath: true), new(KafkaAdminCertificate,
                KafkaSecurity.CertificateVariable, IsPath: true),
            new(KafkaAdminKey, KafkaSecurity.KeyVariable, IsPath: true), .. CreatedPrincipals().Select(p =>
                new SecretFile(KafkaPassword(p))),
        ],
    };

    public static ServiceIdentity Migrate { get; } = new()
    {
        Name = "migrate",
        Kind = ServiceKind.Job,
        Purpose = "One-shot: applies every worker's migrations as the migrator role, which owns the schemas and " +
            "grants each runtime role its own schema and the read-only role every schema. Workers never change a " +
            "schema themselves.",
        Command = ["cpctl", "migrate", "--worker", "all"],
        DatabaseRole = DatabaseRoles.Migrator,
        Settings = [new(PipelineSettings.EnvironmentVariable, Environment), new(Observability.LogFormatVariable,
            "json"), Postgres(DatabaseRoles.Migrator)],
        Secrets = [.. PostgresSecrets(DatabaseRoles.Migrator)],
    };

    public static ServiceIdentity Cpctl { get; } = new()
    {
        Name = "cpctl",
        Kind = ServiceKind.Tool,
        Purpose = "The operator's tool inside the stack's network (docker-compose run --rm cpctl dlq list): reads as " +
            "the read-only role, publishes signed operator decisions; no Stripe key.",
        Command = ["cpctl", "--help"],
        DatabaseRole = DatabaseRoles.Reader,
        KafkaPrincipal = "cpctl",
        Keys = new KeyMaterial([Producers.Operator], []),
        Settings = [.. Common("cpctl", health: false, keys: true), Postgres(DatabaseRoles.Reader)],
        Secrets = [.. PostgresSecrets(DatabaseRoles.Reader), .. KafkaSecrets("cpctl")],
        After = ["topics", "migrate"],
    };

    /// <summary>Every service, in the order compose lists them (jobs first).</summary>
    public static IReadOnlyList<ServiceIdentity> All { get; } =
        [Topics, Migrate, Ingestion, Scoring, Settlement, Payout, Operations, Notifier, Console, Webhooks, PlayerApi,
            Cpctl];

    /// <summary>What runs in a deployment: every service but cpctl, which an operator runs by hand.</summary>
    public static IReadOnlyList<ServiceIdentity> Stack { get; } = [.. All.Where(s => s.Kind != ServiceKind.Tool)];

    public static ServiceIdentity Of(string name) =>
        All.FirstOrDefault(s => s.Name == name)
            ?? throw new ArgumentException(
                $"'{name}' is not a service (one of {string.Join(", ", All.Select(s => s.Name))})", nameof(name));

    /// <summary>Every database role some service connects as, in ordinal order.</summary>
    public static IReadOnlyList<string> DatabaseRoleNames { get; } =
        [.. All.Select(s => s.DatabaseRole).OfType<string>().Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// The sports-data providers that feed the pipeline: the one place a provider is added. Each is a Kafka principal
    /// of its own (SCRAM), created by the topics job from the secret <c>kafka_&lt;name&gt;_password</c>, which the
    /// deployer makes and hands to the provider; its ACLs (cpctl acls) let it write <c>provider.feed</c> and read
    /// what the pipeline answers (<c>provider.feed.dlq</c>, <c>provider.feedback</c>) in its own consumer group
    /// (<see cref="ProviderGroup"/>). docs/providers.md is the provider's page.
    /// </summary>
    public static IReadOnlyList<string> Providers => ["provider"];

    /// <summary>The consumer group a provider reads the pipeline's answers in.</summary>
    public static string ProviderGroup(string provider) => provider + ".answers";

    /// <summary>Every principal the topics job creates: the services' and the providers'.</summary>
    public static IReadOnlyList<string> CreatedPrincipals() => [.. ServicePrincipals(), .. Providers];

    /// <summary>
    /// The Kafka principals of the services (the topics job creates each but its own, which the brokers are started
    /// with).
    /// </summary>
    public static IReadOnlyList<string> ServicePrincipals() =>
        [.. new[] { Workers.Ingestion, Workers.Scoring, Workers.Settlement, Workers.Payout,
            Workers.Operations, Workers.Notifier }.Select(w => w.Name)
            .Concat(["console", "webhooks", "cpctl"])];

    /// <summary>
    /// The services whose key material signs as <paramref name="producer"/> (they hold its pair keys) and that hold a
    /// Kafka principal: who may write what that producer publishes.
    /// </summary>
    public static IReadOnlyList<string> PrincipalsSigningAs(string producer) =>
        [.. All.Where(s => s.KafkaPrincipal is not null && s.Keys is { } k && k.SignsAs.Contains(producer,
            StringComparer.Ordinal)).Select(s => s.KafkaPrincipal!).Distinct()];

    private static ServiceIdentity Worker(WorkerShape shape, string purpose, StripeAccess? stripe = null,
        IEnumerable<KeyValuePair<string, string>>? settings = null, IEnumerable<SecretFile>? secrets = null) => new()
    {
        Name = shape.Name,
        Kind = ServiceKind.Worker,
        Purpose = purpose,
        Command = [shape.Name],
        DatabaseRole = DatabaseRoles.Runtime(shape.Name),
        KafkaPrincipal = shape.Name,
        Keys = new KeyMaterial([shape.Name], VerifiedProducers(shape), shape.Name),
        Settings = [.. Common(shape.Name, health: true, keys: true), Postgres(DatabaseRoles.Runtime(shape.Name)),
            .. stripe?.Settings ?? [], .. settings ?? []],
        Secrets = [.. PostgresSecrets(DatabaseRoles.Runtime(shape.Name)), .. KafkaSecrets(shape.Name), .. stripe is null
            ? [] : new[] { stripe.Key }, .. secrets ?? []],
        HealthUrl = $"http://127.0.0.1:{HealthPort}{Observability.ReadyPath}",
        After = ["topics", "migrate"],
    };

    /// <summary>
    /// The producers a worker verifies: every producer the publish-rights table allows on a topic it consumes, and
    /// on <c>workers.rewinds</c>, which every worker reads at start outside its consumer groups (the operators').
    /// </summary>
    private static string[] VerifiedProducers(WorkerShape shape)
    {
        var topics = shape.Consumers.SelectMany(c => c.Topics).Append(Contracts.Topics.WorkerRewinds)
            .ToHashSet(StringComparer.Ordinal);
        return [.. PublishRights.Pipeline.Rows.Where(r => topics.Contains(r.Topic)).SelectMany(r => r.Producers)
            .Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>A Stripe key and the caller's share of the account's one rate budget.</summary>
    private sealed record StripeAccess(SecretFile Key, IReadOnlyList<KeyValuePair<string, string>> Settings);

    private static StripeAccess Stripe(string keySecret, int requestsPerSecond, int burst) => new(
        new SecretFile(keySecret, "CONTESTPIPELINE_STRIPE_KEY"),
        [
            new("CONTESTPIPELINE_STRIPE_ACCOUNT_RPS", Text(StripeAccountRequestsPerSecond)),
            new("CONTESTPIPELINE_STRIPE_RPS", Text(requestsPerSecond)),
            new("CONTESTPIPELINE_STRIPE_BURST", Text(burst)),
        ]);

    /// <summary>
    /// The settings every pipeline service shares: its environment, its Kafka principal, its health port, JSON logs,
    /// its keys.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> Common(string? principal, bool health, bool keys)
    {
        yield return new(PipelineSettings.EnvironmentVariable, Environment);
        if (principal is not null)
        {
            yield return new(PipelineSettings.KafkaVariable, string.Join(',', KafkaBrokers));
            yield return new(KafkaSecurity.ProtocolVariable, "sasl_ssl");
            yield return new(KafkaSecurity.SaslMechanismVariable, KafkaSecurity.ScramSha512);
            yield return new(KafkaSecurity.SaslUsernameVariable, principal);
        }
        if (keys) yield return new(SigningKeys.DirectoryVariable, KeyMaterial.MountPath);
        if (health) yield return new(Observability.HealthPortVariable, Text(HealthPort));
        yield return new(Observability.LogFormatVariable, "json");
        // Metrics and traces go to an OpenTelemetry collector when one is named (OTLP over gRPC).
        if (health) yield return new(Observability.OtlpEndpointVariable, "${OTLP_ENDPOINT:-}");
    }

    private static KeyValuePair<string, string> Postgres(string role) =>
        new(PipelineSettings.PostgresVariable,
            $"Host={PostgresHost};Port={PostgresPort};Username={role};Database={Database}");

    private static IEnumerable<SecretFile> PostgresSecrets(string role) => [new(PostgresPassword(role),
        PipelineSettings.PostgresPasswordVariable)];

    /// <summary>
    /// The principal's SCRAM password and the brokers' CA; the principal's name is a plain setting (added here too).
    /// </summary>
    private static IEnumerable<SecretFile> KafkaSecrets(string principal) =>
        [new(KafkaPassword(principal), KafkaSecurity.SaslPasswordVariable), new(KafkaCa, KafkaSecurity.CaVariable,
            IsPath: true)];

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
