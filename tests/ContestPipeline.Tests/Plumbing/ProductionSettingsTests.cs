using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// Secrets from files (the _FILE variant of every setting, as official container images read
/// them), and what production refuses at start: the development database password.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ProductionSettingsTests(PipelineFixture fixture)
{
    /// <summary>
    /// Only these settings: the test run's own environment (CONTESTPIPELINE_PG ...) is masked by
    /// empty values, which count as unset.
    /// </summary>
    private static IConfiguration Config(params (string Name, string? Value)[] values)
    {
        var all = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in Masked) all[name] = "";
        foreach (var (name, value) in values) all[name] = value ?? "";
        return new ConfigurationBuilder().AddInMemoryCollection(all).Build();
    }

    private static readonly string[] Masked =
    [
        PipelineSettings.PostgresVariable, PipelineSettings.PostgresPasswordVariable,
        PipelineSettings.EnvironmentVariable,
        PipelineSettings.KafkaVariable, StripeServices.KeyVariable,
    ];

    private string SecretFile(string content)
    {
        var path = Path.Combine(fixture.WorkDirectory, "secret-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void A_setting_is_read_from_the_file_its_FILE_variant_names_without_the_trailing_newline()
    {
        var path = SecretFile("sk_live_from_a_file\n");
        Assert.Equal("sk_live_from_a_file",
            Setting.Text(Config((StripeServices.KeyVariable + "_FILE", path)), StripeServices.KeyVariable));
    }

    [Fact]
    public void Every_secret_of_the_pipeline_can_come_from_a_file()
    {
        var path = SecretFile("whsec_a,whsec_b");
        var config = Config(("CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS_FILE", path));
        Assert.Equal(["whsec_a", "whsec_b"], Setting.List(config, "CONTESTPIPELINE_STRIPE_WEBHOOK_SECRETS"));

        var pg = SecretFile("Host=db;Username=cp_payout;Password=from-a-file;Database=contestpipeline");
        var settings = PipelineSettings.Resolve(
            Config((PipelineSettings.PostgresVariable + "_FILE", pg), (PipelineSettings.KafkaVariable, "kafka:9092"),
            (KafkaSecurity.ProtocolVariable, "sasl_ssl"), (KafkaSecurity.SaslUsernameVariable, "payout"),
            (KafkaSecurity.SaslPasswordVariable + "_FILE", SecretFile("scram-secret\n"))));
        Assert.Contains("Password=from-a-file", settings.PostgresConnectionString, StringComparison.Ordinal);
        Assert.Equal("scram-secret", settings.KafkaSecurity.SaslPassword);
        Assert.Equal(KafkaSecurity.ScramSha512, settings.KafkaSecurity.SaslMechanism);
        Assert.DoesNotContain("scram-secret", settings.KafkaSecurity.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("both", "CONTESTPIPELINE_STRIPE_KEY and CONTESTPIPELINE_STRIPE_KEY_FILE are both set; set one")]
    [InlineData("empty", "CONTESTPIPELINE_STRIPE_KEY_FILE: {path} is empty")]
    [InlineData("absent", "CONTESTPIPELINE_STRIPE_KEY_FILE: cannot read {path}: ")]
    public void A_FILE_setting_that_cannot_be_used_is_a_startup_error_naming_it(string problem, string expected)
    {
        var path = problem == "absent" ? Path.Combine(fixture.WorkDirectory, "no-such-secret")
            : SecretFile(problem == "empty" ? "\n" : "sk_test_x");
        var config = Config((StripeServices.KeyVariable + "_FILE", path),
            (StripeServices.KeyVariable, problem == "both" ? "sk_test_y" : null));
        var e = Assert.Throws<StartupException>(() => Setting.Text(config, StripeServices.KeyVariable));
        Assert.StartsWith(expected.Replace("{path}", path, StringComparison.Ordinal), e.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("in the connection string")]
    [InlineData("in the password file")]
    public void Production_refuses_the_development_database_password(string where)
    {
        var config = where == "in the connection string"
            ? Config((PipelineSettings.EnvironmentVariable, "production"),
                (PipelineSettings.KafkaVariable, "kafka:9092"),
                (PipelineSettings.PostgresVariable, PipelineSettings.PostgresDefault))
            : Config((PipelineSettings.EnvironmentVariable, "production"),
                (PipelineSettings.KafkaVariable, "kafka:9092"),
                (PipelineSettings.PostgresVariable, "Host=db;Username=cp_scoring;Database=contestpipeline"),
                (PipelineSettings.PostgresPasswordVariable + "_FILE",
                    SecretFile(PipelineSettings.DevelopmentPassword + "\n")));
        var e = Assert.Throws<StartupException>(() => PipelineSettings.Resolve(config));
        Assert.Equal("CONTESTPIPELINE_PG: the development password in production; give each role its own (a " +
            "CONTESTPIPELINE_PG_PASSWORD_FILE secret)", e.Message);
        // Anywhere else it is the local default.
        Assert.Equal(PipelineSettings.PostgresDefault,
            PipelineSettings.Resolve(Config((PipelineSettings.KafkaVariable, "kafka:9092"))).PostgresConnectionString);
    }

    [Fact]
    public void Production_has_no_default_database()
    {
        var e = Assert.Throws<StartupException>(() =>
            PipelineSettings.Resolve(Config((PipelineSettings.EnvironmentVariable, "production"),
                (PipelineSettings.KafkaVariable, "kafka:9092"))));
        Assert.Equal("CONTESTPIPELINE_PG is not set: production has no default database", e.Message);
    }

    /// <summary>
    /// No process reads a local tool's state for its Kafka: whatever starts it names the cluster, the local broker
    /// included, and a process not told fails at start with one line naming the setting.
    /// </summary>
    [Theory]
    [InlineData("production")]
    [InlineData("development")]
    public void Kafka_has_no_default_in_any_environment(string environment)
    {
        var e = Assert.Throws<StartupException>(() => PipelineSettings.Resolve(Config(
            (PipelineSettings.EnvironmentVariable, environment),
            (PipelineSettings.PostgresVariable,
                "Host=db;Username=cp_scoring;Password=not-the-default;Database=contestpipeline"))));
        Assert.Equal("CONTESTPIPELINE_KAFKA is not set: Kafka has no default; give its bootstrap servers (host:port, " +
            "comma-separated)",
            e.Message);
    }

    [Theory]
    [InlineData("sasl_plaintext",
        "CONTESTPIPELINE_KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' is not one of plaintext, ssl, sasl_ssl")]
    [InlineData("sasl_ssl", "CONTESTPIPELINE_KAFKA_SASL_USERNAME is not set: sasl_ssl needs the service's principal")]
    [InlineData("mtls-half",
        "CONTESTPIPELINE_KAFKA_SSL_CERTIFICATE_LOCATION and CONTESTPIPELINE_KAFKA_SSL_KEY_LOCATION go together")]
    public void Kafka_security_settings_that_cannot_work_are_refused_at_start(string protocol, string expected)
    {
        var config = protocol == "mtls-half"
            ? Config((KafkaSecurity.ProtocolVariable, "ssl"), (KafkaSecurity.CertificateVariable, SecretFile("cert")))
            : Config((KafkaSecurity.ProtocolVariable, protocol));
        var e = Assert.Throws<StartupException>(() => KafkaSecurity.Read(config));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutual_tls_settings_reach_the_client_configuration()
    {
        var config = Config((KafkaSecurity.ProtocolVariable, "ssl"), (KafkaSecurity.CaVariable, SecretFile("ca")),
            (KafkaSecurity.CertificateVariable, SecretFile("cert")), (KafkaSecurity.KeyVariable, SecretFile("key")),
            (KafkaSecurity.KeyPasswordVariable + "_FILE", SecretFile("key-password")));
        var client = KafkaClients.ProducerConfig("kafka:9093", "test", KafkaSecurity.Read(config));
        Assert.Equal(Confluent.Kafka.SecurityProtocol.Ssl, client.SecurityProtocol);
        Assert.Equal("key-password", client.SslKeyPassword);
        Assert.NotNull(client.SslCertificateLocation);
        Assert.Equal(Confluent.Kafka.SslEndpointIdentificationAlgorithm.Https,
            client.SslEndpointIdentificationAlgorithm);
    }

    [Fact]
    public void The_packaged_librdkafka_has_tls_and_scram()
    {
        var features = KafkaNative.BuiltinFeatures();
        Assert.Contains("ssl", features);
        Assert.Contains("sasl_scram", features);
    }

    [Fact]
    public async Task A_worker_started_in_production_with_the_development_password_prints_one_line_and_exits()
    {
        var lines = new List<string>();
        await using var worker = ChildProcess.StartDotnet("scoring", RepoPaths.DeployableDll("scoring"), [],
            new Dictionary<string, string?>
            {
                [PipelineSettings.EnvironmentVariable] = "production",
                [PipelineSettings.PostgresVariable] = null,
                [PipelineSettings.PostgresVariable + "_FILE"] = SecretFile(fixture.PostgresConnectionString),
                [PipelineSettings.KafkaVariable] = fixture.BootstrapServers,
            },
            Path.Combine(fixture.WorkDirectory, $"production-password-{Guid.NewGuid():N}.log"),
            line => { lock (lines) lines.Add(line); });
        await worker.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        await Task.Delay(200);
        Assert.Equal(PipelineWorker.ExitStartupFailed, worker.ExitCode);
        Assert.Equal("scoring: CONTESTPIPELINE_PG: the development password in production; give each role its own (a " +
            "CONTESTPIPELINE_PG_PASSWORD_FILE secret)",
            Assert.Single(lines, l => l.Length > 0));
    }
}
