using Microsoft.Extensions.Configuration;
using System.Diagnostics;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Deployment;

/// <summary>
/// docker-compose.yml cannot be started here (no image can be pulled), so its shape is checked as
/// a platform engineer would read it: it is what the services' definition generates, Debian's
/// docker-compose validates it (docker-compose config), and the resolved file is read as data.
/// </summary>
public sealed class ComposeFileTests
{
    [Fact]
    public void The_compose_file_is_generated_from_the_services_definition()
    {
        var file = File.ReadAllText(ComposeFile);
        Assert.True(file == ContestPipeline.Deployment.ComposeFile.Render(),
            "docker-compose.yml differs from the services' definition (src/Deployment/Services.cs): " +
            "regenerate it (./run cpctl compose > docker-compose.yml)");
    }

    [Fact]
    public void Each_service_mounts_its_own_signing_keys_and_nothing_else()
    {
        foreach (var service in Services.EnumerateObject())
        {
            var volumes = service.Value.TryGetProperty("volumes", out var v)
                ? v.EnumerateArray().Select(Volume).ToList() : [];
            Assert.DoesNotContain(volumes,
                m => m.Source.TrimEnd('/').EndsWith("signing-keys", StringComparison.Ordinal));
            var keys = volumes.Where(m => m.Target == KeyMaterial.MountPath).ToList();
            var identity = ContestPipeline.Deployment.Services.All.FirstOrDefault(s => s.Name == service.Name);
            if (identity?.Keys is null)
            {
                Assert.Empty(keys);
                continue;
            }
            var mount = Assert.Single(keys);
            Assert.Equal(Path.GetFullPath(Path.Combine(RepoPaths.Root, KeyMaterial.HostPath(service.Name))),
                Path.GetFullPath(mount.Source));
            Assert.Equal(KeyMaterial.MountPath,
                Env(service.Value.GetProperty("environment"), "CONTESTPIPELINE_SIGNING_KEYS_DIR"));
        }
        // The console and the webhook receiver, the two with published ports, hold only the key they sign with.
        Assert.Empty(ContestPipeline.Deployment.Services.Console.Keys!.Verifies);
        Assert.Empty(ContestPipeline.Deployment.Services.Webhooks.Keys!.Verifies);
    }

    [Fact]
    public void Each_service_connects_to_Kafka_as_its_own_principal_with_its_own_password_file()
    {
        foreach (var identity in ContestPipeline.Deployment.Services.All.Where(s => s.KafkaPrincipal is not null
            && s != ContestPipeline.Deployment.Services.Topics))
        {
            var env = Services.GetProperty(identity.Name).GetProperty("environment");
            Assert.Equal("sasl_ssl", Env(env, "CONTESTPIPELINE_KAFKA_SECURITY_PROTOCOL"));
            Assert.Equal(identity.KafkaPrincipal, Env(env, "CONTESTPIPELINE_KAFKA_SASL_USERNAME"));
            Assert.Equal("/run/secrets/kafka_" + identity.KafkaPrincipal + "_password",
                Env(env, "CONTESTPIPELINE_KAFKA_SASL_PASSWORD_FILE"));
        }
        // The topics job creates those principals, so it is the administrator with a client certificate, and holds
        // every principal's password file.
        var topics = Services.GetProperty("topics");
        Assert.Equal("ssl", Env(topics.GetProperty("environment"), "CONTESTPIPELINE_KAFKA_SECURITY_PROTOCOL"));
        Assert.Equal("/run/secrets/kafka_admin_certificate",
            Env(topics.GetProperty("environment"), "CONTESTPIPELINE_KAFKA_SSL_CERTIFICATE_LOCATION"));
        foreach (var principal in ContestPipeline.Deployment.Services.ServicePrincipals())
            Assert.Contains($"kafka_{principal}_password", topics.GetProperty("secrets").EnumerateArray().Select(x =>
                x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetProperty("source").GetString()));
        var principals = ContestPipeline.Deployment.Services.All.Select(s => s.KafkaPrincipal)
            .OfType<string>().ToList();
        Assert.Equal(principals.Count, principals.Distinct().Count());
    }
    [Fact]
    public void The_console_serves_https_with_its_certificate_and_key_from_two_secret_files()
    {
        var console = Services.GetProperty("console");
        var env = console.GetProperty("environment");
        Assert.StartsWith("https://", Env(env, "CONTESTPIPELINE_CONSOLE_URL"), StringComparison.Ordinal);
        Assert.Equal("/run/secrets/console_tls_certificate", Env(env, "CONTESTPIPELINE_CONSOLE_TLS_CERTIFICATE"));
        Assert.Equal("/run/secrets/console_tls_key", Env(env, "CONTESTPIPELINE_CONSOLE_TLS_KEY"));
        var secrets = console.GetProperty("secrets").EnumerateArray()
            .Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetProperty("source").GetString())
                .ToList();
        Assert.Contains("console_tls_certificate", secrets);
        Assert.Contains("console_tls_key", secrets);
        var files = Resolved.Value.GetProperty("secrets");
        foreach (var name in new[] { "console_tls_certificate", "console_tls_key" })
        {
            Assert.EndsWith("deploy/secrets/" + name, files.GetProperty(name).GetProperty("file").GetString(),
                StringComparison.Ordinal);
            Assert.Contains($"`{name}`", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "secrets",
                "README.md")), StringComparison.Ordinal);
        }
        Assert.Contains("https://127.0.0.1:5080/healthz", console.GetProperty("healthcheck").GetProperty("test")
            .EnumerateArray().Select(t => t.GetString()));
        // What compose gives the console starts in production; plain HTTP there is refused at start.
        var options = ContestPipeline.OperationsConsole.ConsoleOptions.Read(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CONTESTPIPELINE_CONSOLE_URL"] = "http://0.0.0.0:5080",
                ["CONTESTPIPELINE_CONSOLE_OPERATORS"] =
                    """{"operators":[{"name":"ann","role":"admin","passwordHash":"x"}]}""",
            }).Build());
        var refused = Assert.Throws<ContestPipeline.Plumbing.StartupException>(() =>
            options.TlsCertificate(ContestPipeline.Plumbing.DeploymentEnvironment.Production));
        Assert.Contains("plain HTTP", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void
        The_player_read_api_serves_https_with_its_certificate_from_secrets_and_refuses_plain_HTTP_in_production()
    {
        var api = Services.GetProperty("player-api");
        var env = api.GetProperty("environment");
        Assert.Equal("https://0.0.0.0:5090", Env(env, "CONTESTPIPELINE_PLAYER_API_URL"));
        Assert.Equal("/run/secrets/player_api_tls_certificate", Env(env, "CONTESTPIPELINE_PLAYER_API_TLS_CERTIFICATE"));
        Assert.Equal("/run/secrets/player_api_tls_key", Env(env, "CONTESTPIPELINE_PLAYER_API_TLS_KEY"));
        using var signIn = PlatformSignIn.Create();
        ContestPipeline.PlayerApi.PlayerApiOptions Options(string url) =>
            ContestPipeline.PlayerApi.PlayerApiOptions.Read(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["CONTESTPIPELINE_PLAYER_API_URL"] = url,
                ["CONTESTPIPELINE_PLAYER_API_TOKEN_SHA256"] = ContestPipeline.PlayerApi.PlayerApiOptions.Hash("t"),
                ["CONTESTPIPELINE_PLAYER_API_PLAYER_TOKEN_KEYS"] = signIn.PublicKeyPem,
            }).Build());
        var production = ContestPipeline.Plumbing.DeploymentEnvironment.Production;
        var refused = Assert.Throws<ContestPipeline.Plumbing.StartupException>(() => Options("http://0.0.0.0:5090")
            .TlsCertificate(production));
        Assert.Contains("plain HTTP", refused.Message, StringComparison.Ordinal);
        Assert.Contains("the player read API", refused.Message, StringComparison.Ordinal);
        var unnamed = Assert.Throws<ContestPipeline.Plumbing.StartupException>(() => Options("https://0.0.0.0:5090")
            .TlsCertificate(production));
        Assert.Contains("CONTESTPIPELINE_PLAYER_API_TLS_CERTIFICATE", unnamed.Message, StringComparison.Ordinal);
        Assert.Null(Options("http://127.0.0.1:5090")
            .TlsCertificate(ContestPipeline.Plumbing.DeploymentEnvironment.Development));
    }

    private static readonly string[] Workers = ["ingestion", "scoring", "settlement", "payout"];
    private static readonly Lazy<JsonElement> Resolved = new(Resolve);

    private static JsonElement Services => Resolved.Value.GetProperty("services");

    [Fact]
    public void Postgres_runs_with_the_same_settings_in_compose_and_on_the_local_cluster()
    {
        var command = Services.GetProperty("postgres").GetProperty("command").EnumerateArray()
            .Select(c => c.GetString()).ToList();
        var script = File.ReadAllText(Path.Combine(RepoPaths.Root, "build", "postgres.sh"));
        var local = script.Split('\n').Single(l => l.StartsWith("for setting in ", StringComparison.Ordinal))
            ["for setting in ".Length..].Split("; do")[0].Split(' ');
        var settings = PostgresSettings.All.Select(s => $"{s.Name}={s.Value}").ToList();
        Assert.NotEmpty(settings);
        Assert.Equal(["postgres", .. settings.SelectMany(s => (string?[])["-c", s])], command);
        Assert.Equal(settings, local);
    }

    [Fact]
    public void The_compose_file_is_valid_for_docker_compose()
    {
        var (code, output) = Run("docker-compose", "-f", ComposeFile, "config", "-q");
        Assert.True(code == 0, "docker-compose config -q: " + output);
    }

    [Fact]
    public void Kafka_is_three_KRaft_brokers_with_replication_3_two_in_sync_no_unclean_election_and_a_volume_each()
    {
        var brokers = Services.EnumerateObject()
            .Where(s => Image(s.Value).StartsWith("apache/kafka", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, brokers.Count);
        foreach (var broker in brokers)
        {
            var env = broker.Value.GetProperty("environment");
            Assert.Equal("broker,controller", Env(env, "KAFKA_PROCESS_ROLES"));
            Assert.Equal(3, Env(env, "KAFKA_CONTROLLER_QUORUM_VOTERS").Split(',').Length);
            Assert.Equal(TopicCatalog.ReplicationFactor.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Env(env, "KAFKA_DEFAULT_REPLICATION_FACTOR"));
            Assert.Equal(TopicCatalog.MinInsyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Env(env, "KAFKA_MIN_INSYNC_REPLICAS"));
            Assert.Equal("3", Env(env, "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"));
            Assert.Equal("false", Env(env, "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"));
            Assert.Equal("false", Env(env, "KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
            var (source, target) = broker.Value.GetProperty("volumes").EnumerateArray().Select(Volume)
                .Single(m => m.Target == Env(env, "KAFKA_LOG_DIRS"));
            Assert.True(Resolved.Value.GetProperty("volumes").TryGetProperty(source, out _),
                $"{broker.Name}: {source} is not a named volume");
            Assert.Equal(Env(env, "KAFKA_LOG_DIRS"), target);
            // Services authenticate (SCRAM over TLS) and are authorized by ACLs, denied by default.
            Assert.StartsWith("SASL_SSL://", Env(env, "KAFKA_ADVERTISED_LISTENERS"), StringComparison.Ordinal);
            Assert.Equal("SCRAM-SHA-512", Env(env, "KAFKA_SASL_ENABLED_MECHANISMS"));
            Assert.Equal("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                Env(env, "KAFKA_AUTHORIZER_CLASS_NAME"));
            Assert.Equal("false", Env(env, "KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"));
        }
        var data = Services.GetProperty("postgres").GetProperty("volumes").EnumerateArray().Select(Volume)
            .Single(v => v.Target == "/var/lib/postgresql/data");
        Assert.True(Resolved.Value.GetProperty("volumes").TryGetProperty(data.Source, out _));
    }

    [Fact]
    public void Topics_are_provisioned_and_migrations_applied_by_one_shot_jobs_before_any_worker_starts()
    {
        Assert.Equal(["cpctl", "topics", "apply", "--acls"], Command(Services.GetProperty("topics")));
        Assert.Equal(["cpctl", "migrate", "--worker", "all"], Command(Services.GetProperty("migrate")));
        foreach (var name in Workers.Append("webhooks"))
        {
            var dependsOn = Services.GetProperty(name).GetProperty("depends_on");
            Assert.Equal("service_completed_successfully", dependsOn.GetProperty("topics").GetProperty("condition")
                .GetString());
            if (name != "webhooks")
                Assert.Equal("service_completed_successfully", dependsOn.GetProperty("migrate").GetProperty("condition")
                    .GetString());
        }
        // The migrator is the only role that changes a schema; each worker runs as its own role.
        Assert.Equal("cp_migrator", PgUser(Services.GetProperty("migrate")));
        foreach (var name in Workers) Assert.Equal("cp_" + name, PgUser(Services.GetProperty(name)));
        Assert.Equal("cp_operations", PgUser(Services.GetProperty("operations")));
        Assert.Equal("cp_reader", PgUser(Services.GetProperty("console")));
        Assert.Equal("cp_reader", PgUser(Services.GetProperty("cpctl")));
        Assert.False(Services.GetProperty("webhooks").GetProperty("environment")
            .TryGetProperty("CONTESTPIPELINE_PG", out _));
    }

    [Fact]
    public void Every_long_running_service_has_a_health_check_and_the_workers_use_their_readiness_endpoint()
    {
        foreach (var service in Services.EnumerateObject())
        {
            var oneShot = service.Value.TryGetProperty("restart", out var restart) && restart.GetString() == "no";
            if (oneShot) continue;
            Assert.True(service.Value.TryGetProperty("healthcheck", out var health)
                && health.TryGetProperty("test", out _), $"{service.Name} has no health check");
        }
        foreach (var name in Workers.Append("webhooks"))
            Assert.Contains("http://127.0.0.1:8081/health/ready",
                string.Join(' ', Services.GetProperty(name).GetProperty("healthcheck").GetProperty("test")
                    .EnumerateArray().Select(e => e.GetString())));
    }

    [Fact]
    public void
        Ingestion_and_payout_get_restricted_Stripe_keys_read_model_and_settlement_balance_read_keys_secrets_from_files()
    {
        foreach (var service in Services.EnumerateObject())
        {
            var env = service.Value.TryGetProperty("environment", out var e) ? e.EnumerateObject().ToList() : [];
            var secrets = service.Value.TryGetProperty("secrets", out var s)
                ? s.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()
                    : x.GetProperty("source").GetString()).ToList() : [];
            // No service gets the platform's secret key: Ingestion a restricted key that reads payments, Payout one
            // that moves money, the read model and Settlement (its drift check) one that reads the balance only.
            Assert.DoesNotContain("stripe_secret_key", secrets);
            Assert.True(secrets.Contains("stripe_ingestion_key") == service.Name is "ingestion", $"{service.Name}: " +
                $"Ingestion's Stripe key {(secrets.Contains("stripe_ingestion_key") ? "given" : "missing")}");
            Assert.True(secrets.Contains("stripe_payout_key") == service.Name is "payout",
                $"{service.Name}: Payout's Stripe key {(secrets.Contains("stripe_payout_key") ? "given" : "missing")}");
            var stripeKey = env.Any(v => v.Name.StartsWith("CONTESTPIPELINE_STRIPE_KEY", StringComparison.Ordinal));
            Assert.True(stripeKey == service.Name is "ingestion" or "payout" or "operations" or "settlement",
                $"{service.Name}: a Stripe key {(stripeKey ? "given" : "missing")}");
            if (service.Name is "operations" or "settlement") Assert.Contains("stripe_balance_read_key", secrets);
            foreach (var v in env)
            {
                var value = v.Value.ValueKind == JsonValueKind.String ? v.Value.GetString()! : v.Value.GetRawText();
                Assert.DoesNotContain("Password=", value, StringComparison.OrdinalIgnoreCase);
                // A setting that names a secret's file (_FILE, or a path such as the console's TLS key) is a file.
                if (v.Name.EndsWith("_FILE", StringComparison.Ordinal)
                    || value.StartsWith("/run/secrets/", StringComparison.Ordinal))
                {
                    Assert.StartsWith("/run/secrets/", value, StringComparison.Ordinal);
                    Assert.Contains(value["/run/secrets/".Length..], secrets);
                }
                else
                {
                    Assert.False(v.Name.Contains("PASSWORD", StringComparison.Ordinal)
                        || v.Name.Contains("SECRET", StringComparison.Ordinal)
                        || v.Name.EndsWith("_KEY", StringComparison.Ordinal),
                        $"{service.Name}: {v.Name} is given as a value, not a file");
                }
            }
        }
        foreach (var secret in Resolved.Value.GetProperty("secrets").EnumerateObject())
            Assert.True(secret.Value.TryGetProperty("file", out _), $"secret {secret.Name} is not read from a file");
    }

    [Fact]
    public void Every_process_calling_Stripe_has_a_share_of_one_account_budget_and_the_shares_add_up()
    {
        var shares = new List<ContestPipeline.Stripe.StripeBudget.Share>();
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in Services.EnumerateObject())
        {
            if (!service.Value.TryGetProperty("environment", out var env)
                || Env(env, "CONTESTPIPELINE_STRIPE_KEY_FILE").Length == 0) continue;
            var rate = Env(env, ContestPipeline.Stripe.StripeServices.RateVariable);
            var burst = Env(env, ContestPipeline.Stripe.StripeServices.BurstVariable);
            Assert.True(rate.Length > 0 && burst.Length > 0,
                $"{service.Name} calls Stripe without an explicit share of the account's budget");
            accounts.Add(Env(env, ContestPipeline.Stripe.StripeServices.AccountRateVariable));
            var replicas = service.Value.TryGetProperty("deploy", out var deploy) && deploy.TryGetProperty("replicas",
                out var r) ? r.GetInt32() : 1;
            for (var i = 0; i < replicas; i++)
                shares.Add(new(service.Name, int.Parse(rate, System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(burst, System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.Contains(shares, s => s.Process == "ingestion");
        Assert.Contains(shares, s => s.Process == "payout");
        var account = Assert.Single(accounts);
        Assert.Empty(ContestPipeline.Stripe.StripeBudget.Problems(
            int.Parse(account, System.Globalization.CultureInfo.InvariantCulture), shares));
    }

    private static string ComposeFile => Path.Combine(RepoPaths.Root, "docker-compose.yml");

    /// <summary>A volume in either syntax: "source:target[:mode]" or {source, target}.</summary>
    private static (string Source, string Target) Volume(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Object)
            return (v.GetProperty("source").GetString()!, v.GetProperty("target").GetString()!);
        var parts = v.GetString()!.Split(':');
        return (parts[0], parts[1]);
    }

    private static string Image(JsonElement service) =>
        service.TryGetProperty("image", out var i) ? i.GetString() ?? "" : "";

    private static string Env(JsonElement env, string name) =>
        env.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()!
            : v.GetRawText() : "";

    private static string PgUser(JsonElement service) =>
        new Npgsql.NpgsqlConnectionStringBuilder(Env(service.GetProperty("environment"), "CONTESTPIPELINE_PG")).Username
            ?? "";

    private static List<string> Command(JsonElement service) =>
        [.. service.GetProperty("command").EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>docker-compose's own resolution of the file (anchors merged, defaults filled), as JSON.</summary>
    private static JsonElement Resolve()
    {
        var (code, yaml) = Run("docker-compose", "-f", ComposeFile, "config");
        Assert.True(code == 0, "docker-compose config: " + yaml);
        var path = Path.Combine(Path.GetTempPath(), $"compose-{Environment.ProcessId}-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, yaml);
        try
        {
            // docker-compose is Python with PyYAML; the same reads its output back as data.
            var (jsonCode, json) = Run("python3", "-c",
                "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path);
            Assert.True(jsonCode == 0, json);
            return JsonDocument.Parse(json).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
