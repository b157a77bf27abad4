using System.Reflection;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Broker;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;

namespace ContestPipeline.Tests.Deployment;

/// <summary>
/// The one definition of each deployable's identity, and how a local run applies it: every
/// setting it names is one a process reads, the image carries exactly its deployables, and a
/// process started here gets what compose gives it with only the named swaps, so a wrong grant,
/// a missing mount or a secret given to the wrong service fails here as it would in production.
/// </summary>
public sealed partial class ServiceIdentityTests
{
    /// <summary>Every CONTESTPIPELINE_* setting some deployable's code declares.</summary>
    private static readonly Lazy<HashSet<string>> Declared = new(() =>
    [
        .. new[]
            {
                typeof(PipelineSettings), typeof(StripeServices),
                    typeof(ContestPipeline.OperationsConsole.ConsoleOptions),
                typeof(ContestPipeline.Webhooks.WebhookReceiverHost),
                    typeof(ContestPipeline.Operations.Queries.Balance.BalanceMonitorOptions),
                typeof(ContestPipeline.Operations.OperationsOptions),
                typeof(ContestPipeline.PlayerApi.PlayerApiOptions),
                typeof(ContestPipeline.Notifier.NotifierOptions),
            }
            .Select(t => t.Assembly).Distinct()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(v => v.StartsWith("CONTESTPIPELINE_", StringComparison.Ordinal)),
    ]);

    [Fact]
    public void A_service_holds_a_pair_key_for_another_consumer_only_as_the_producer_it_signs_as()
    {
        // A key (p, c) makes messages c accepts as p's: only p itself and c may hold it.
        foreach (var service in Services.All.Where(s => s.Keys is not null))
            foreach (var (producer, consumer) in service.Keys!.Pairs)
                Assert.True(consumer == service.Name || service.Keys.SignsAs.Contains(producer, StringComparer.Ordinal),
                    $"{service.Name} holds ({producer}, {consumer}): it could sign as {producer} for {consumer}");
        // So the read model holds keys it alone accepts and the one it signs notifications with for the sender, and the
        // console and cpctl only the operator's.
        Assert.All(Services.Operations.Keys!.Pairs,
            p => Assert.True(p.Consumer == "operations" || p == ("operations", "notifier"), $"{p}"));
        Assert.Contains(("operations", "notifier"), Services.Notifier.Keys!.Pairs);
        Assert.All(Services.Console.Keys!.Pairs.Concat(Services.Cpctl.Keys!.Pairs),
            p => Assert.Equal("operator", p.Producer));
        // Settlement signs its orders for the two consumers of payouts.due (and its other topics' readers); Payout
        // alone holds (settlement, payout).
        Assert.Contains(("settlement", "payout"), Services.Settlement.Keys!.Pairs);
        Assert.Equal(["payout", "settlement"],
            Services.All.Where(s => s.Keys?.Pairs.Contains(("settlement", "payout")) == true).Select(s => s.Name)
                .Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_setting_in_the_definition_is_one_a_process_reads()
    {
        foreach (var service in Services.All)
            foreach (var (name, _) in service.Environment.Where(e => e.Key.StartsWith("CONTESTPIPELINE_",
                StringComparison.Ordinal)))
            {
                var setting = name.EndsWith(Setting.FileSuffix, StringComparison.Ordinal)
                    ? name[..^Setting.FileSuffix.Length] : name;
                Assert.True(Declared.Value.Contains(setting),
                    $"{service.Name}: {name} is no setting any process reads");
            }
    }

    [Fact]
    public void The_image_carries_exactly_the_deployables_and_the_stack_runs_each_of_them()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "Dockerfile"));
        var built = DockerfileLoop().Match(dockerfile).Groups["list"].Value.Split(' ',
            StringSplitOptions.RemoveEmptyEntries)
            .Select(p => (Project: p.Split(':')[0], Name: p.Split(':')[1])).ToList();
        Assert.Equal(Deployables.All.Select(d => (d.Project, d.Name)), built);
        var entrypoint = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "docker", "entrypoint.sh"));
        var cases = EntrypointCase().Matches(entrypoint).Select(m => (m.Groups["name"].Value, m.Groups["path"].Value))
            .ToList();
        Assert.Equal(Deployables.All.Select(d => (d.Name, d.ImagePath)), cases);
        // Every deployable is some service's, and every service runs a deployable.
        Assert.Equal(Deployables.All.Select(d => d.Name).Order(StringComparer.Ordinal),
            Services.All.Select(s => s.Deployable).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_local_process_gets_its_services_settings_secrets_and_keys_with_only_the_named_swaps()
    {
        await using var stripe = await StripeEmulator.StartAsync();
        var run = Path.Combine(Path.GetTempPath(), "contestpipeline-tests-" + Environment.ProcessId, "identity-"
            + Guid.NewGuid().ToString("N")[..8]);
        var swaps = new LocalSwaps
        {
            BootstrapServers = "127.0.0.1:9092", BrokerFile = Path.Combine(run, "broker.json"), RunDirectory = run,
                Stripe = stripe,
            Postgres = "Host=127.0.0.1;Port=5432;Database=some_run", ConsoleOperators = "{}",
            PlayerApiTokens = ContestPipeline.PlayerApi.PlayerApiOptions.Hash("token"),
            PlayerTokenKeys = "the sign-in's public key",
        };
        foreach (var service in Services.All)
        {
            var local = LocalServices.Prepare(service, swaps).Environment.Where(e => e.Value is not null)
                .ToDictionary(e => e.Key, e => e.Value!);
            var compose = service.Environment.ToDictionary(e => e.Key, e => e.Value);
            // The Kafka swap drops the principal's settings; the Stripe swap adds the server's URL; the topics job
            // finds the local broker.
            var expected = compose.Keys.Where(k => !LocalSwaps.KafkaSecuritySettings.Contains(k))
                .Concat(service.Secrets.Any(s => s.Secret.StartsWith("stripe_", StringComparison.Ordinal)
                    && s.Secret != Services.StripeWebhookSecrets)
                    ? [StripeServices.UrlVariable] : [])
                .Concat(service == Services.Topics ? [BrokerState.FileVariable] : [])
                .Concat(service == Services.Cpctl ? [OperatorKeys.LocalDirectoryVariable] : [])
                // Without a certificate swapped in, the console here serves plain HTTP and names no TLS files.
                .Where(k => swaps.ConsoleTls is not null
                    || !k.StartsWith("CONTESTPIPELINE_CONSOLE_TLS_", StringComparison.Ordinal))
                // Nor is the read API, which serves plain HTTP on loopback here.
                .Where(k => !k.StartsWith("CONTESTPIPELINE_PLAYER_API_TLS_", StringComparison.Ordinal))
                // An interpolation takes its default here, as compose does; one without a default is unset.
                .Where(k => !(compose.GetValueOrDefault(k) ?? "").StartsWith("${", StringComparison.Ordinal)
                    || !(compose.GetValueOrDefault(k) ?? "").EndsWith(":-}", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal);
            Assert.Equal(expected, local.Keys.Where(k => k.StartsWith("CONTESTPIPELINE_", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
            if (service.DatabaseRole is { } role)
                Assert.Equal(role,
                    new Npgsql.NpgsqlConnectionStringBuilder(local[PipelineSettings.PostgresVariable]).Username);
            // Each secret file it is given is its own, named as compose names it; nothing else is in its folder.
            var secrets = Path.Combine(run, "identity", service.Name, "secrets");
            var given = Directory.Exists(secrets) ? Directory.GetFiles(secrets).Select(Path.GetFileName)
                .Order(StringComparer.Ordinal).ToList() : [];
            Assert.Equal(service.Secrets.Select(s => s.Secret).Where(s => swaps.SecretValue(s) is not null).Distinct()
                .Order(StringComparer.Ordinal), given);
            // Its keys: a folder per pair its material names, and no other.
            if (service.Keys is { } keys)
            {
                var folder = local[SigningKeys.DirectoryVariable];
                Assert.Equal(keys.Pairs.Select(p => p.Producer + "/" + p.Consumer), Directory.GetDirectories(folder)
                    .Where(p => Path.GetFileName(p) != OperatorKey.ConsumerKeysFolder)
                    .SelectMany(p => Directory.GetDirectories(p)
                        .Select(c => Path.GetFileName(p) + "/" + Path.GetFileName(c)))
                    .Order(StringComparer.Ordinal));
                // Operators' keys: only where it checks operators' decisions or re-drive grants, and only those made
                // for it.
                var operators = Path.Combine(folder, OperatorKey.ConsumerKeysFolder);
                Assert.Equal(keys.Consumer is { } c && KeyPairs.OperatorKeyHolders.Contains(c),
                    Directory.Exists(operators));
                if (Directory.Exists(operators))
                    Assert.All(Directory.GetDirectories(operators).SelectMany(Directory.GetDirectories),
                        c => Assert.Equal(keys.Consumer, Path.GetFileName(c)));
            }
            else Assert.False(local.ContainsKey(SigningKeys.DirectoryVariable));
        }
        Directory.Delete(run, recursive: true);
    }

    [Fact]
    public void Ingestion_and_Payout_each_hold_their_own_Stripe_key_and_the_read_only_role_is_nobodys_runtime_role()
    {
        Assert.Equal(["ingestion"], Services.All.Where(s => s.Secrets.Any(x =>
            x.Secret == Services.StripeIngestionKey)).Select(s => s.Name));
        Assert.Equal(["payout"], Services.All.Where(s => s.Secrets.Any(x =>
            x.Secret == Services.StripePayoutKey)).Select(s => s.Name));
        Assert.Equal(["operations", "settlement"],
            Services.All.Where(s => s.Secrets.Any(x => x.Secret == Services.StripeBalanceReadKey)).Select(s => s.Name)
                .Order(StringComparer.Ordinal));
        foreach (var worker in Workers.All.Values)
            Assert.NotEqual(worker.Grants.ReadOnlyRole, worker.Grants.RuntimeRole);
        Assert.Equal(["console", "cpctl"], Services.All.Where(s =>
            s.DatabaseRole == ContestPipeline.Plumbing.Database.DatabaseRoles.Reader).Select(s => s.Name));
    }

    [GeneratedRegex(@"for p in (?<list>[A-Za-z:\s-]+); do")]
    private static partial Regex DockerfileLoop();

    [GeneratedRegex(@"^\s*(?<name>[a-z-]+)\)\s+exec dotnet (?<path>\S+)", RegexOptions.Multiline)]
    private static partial Regex EntrypointCase();
}
