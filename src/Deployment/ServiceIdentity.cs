using ContestPipeline.Plumbing;

namespace ContestPipeline.Deployment;

/// <summary>
/// What a deployable is: a worker (consume loops and jobs), a web service, a one-shot job, or a tool run by hand.
/// </summary>
public enum ServiceKind
{
    Worker,
    Web,
    Job,
    Tool,
}

/// <summary>
/// A secret file a service is given, mounted at <c>/run/secrets/&lt;Secret&gt;</c>. With a
/// <see cref="Variable"/>, the service reads it through that setting: <c>VARIABLE_FILE</c> names
/// the file (the value is the file's content), or, for a setting that is itself a path
/// (<see cref="IsPath"/>, a certificate), <c>VARIABLE</c> does. Without one, the service reads
/// the file where it is mounted (the postgres image's first start, the topics job's principals).
/// </summary>
public sealed record SecretFile(string Secret, string? Variable = null, bool IsPath = false)
{
    public const string Directory = "/run/secrets";

    /// <summary>Where the file is in the service's container.</summary>
    public string MountPath => Directory + "/" + Secret;

    /// <summary>The setting that names the file, if any: VARIABLE_FILE, or VARIABLE for a path.</summary>
    public string? SettingName => Variable is null ? null : IsPath ? Variable : Variable + Setting.FileSuffix;
}

/// <summary>
/// The message-signing key material a service mounts (read-only, at <see cref="MountPath"/>):
/// pair keys only. As a producer (<see cref="SignsAs"/>) it holds (producer, c) for every consuming
/// service c of a topic that producer may publish on; as the consumer <see cref="Consumer"/> it holds
/// (p, itself) for every producer p in <see cref="Verifies"/>. Nothing else: a service never holds a
/// key it does not use, and no key that makes a message some other consumer would accept
/// (<see cref="KeyMaterialFiles"/> lays the folder out).
/// </summary>
public sealed record KeyMaterial(IReadOnlyList<string> SignsAs, IReadOnlyList<string> Verifies, string? Consumer = null)
{
    public const string MountPath = "/run/signing-keys";

    /// <summary>Where the service's folder is beside the compose file (never committed).</summary>
    public static string HostPath(string service) => "./deploy/secrets/signing-keys/" + service;

    /// <summary>Every (producer, consumer) pair whose keys the folder holds, in ordinal order.</summary>
    public IReadOnlyList<(string Producer, string Consumer)> Pairs =>
    [
        .. SignsAs.SelectMany(p => KeyPairs.ConsumersOf(p).Select(c => (p, c)))
            .Concat(Verifies.Select(p => (p, Consumer ?? throw new InvalidOperationException(
                "a service that verifies names itself as the consumer"))))
            .Distinct().OrderBy(x => x.p, StringComparer.Ordinal).ThenBy(x => x.Item2, StringComparer.Ordinal),
    ];
}

/// <summary>
/// One deployable's identity: what it runs, the database role it connects as, the Kafka
/// principal it authenticates as, the signing keys it mounts, the secret files it is given and
/// its other settings. Defined once (<see cref="Services"/>): docker-compose.yml is generated from
/// it (<see cref="ComposeFile"/>), and every local run starts each process from it, swapping only
/// what cannot run on a development machine (<c>LocalSwaps</c> in the development tool).
/// </summary>
public sealed record ServiceIdentity
{
    /// <summary>The service's name in compose (and its log's name locally).</summary>
    public required string Name { get; init; }

    public required ServiceKind Kind { get; init; }

    /// <summary>Why it exists and what it may do, in a sentence or two (the compose file's comment).</summary>
    public required string Purpose { get; init; }

    /// <summary>
    /// The image's arguments: the deployable's name (<see cref="Deployables"/>) and its own arguments.
    /// </summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The Postgres role it connects as, if it uses the database.</summary>
    public string? DatabaseRole { get; init; }

    /// <summary>The SASL/SCRAM principal it authenticates to Kafka as, if it uses Kafka.</summary>
    public string? KafkaPrincipal { get; init; }

    /// <summary>The signing keys it mounts, if any.</summary>
    public KeyMaterial? Keys { get; init; }

    /// <summary>Settings with plain values, in the order compose lists them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    /// <summary>The secret files it is given.</summary>
    public IReadOnlyList<SecretFile> Secrets { get; init; } = [];

    /// <summary>The port it serves on (published by compose), if it serves one.</summary>
    public int? Port { get; init; }

    /// <summary>
    /// The URL its health check asks inside its container (it answers 200 when ready), if it is long-running.
    /// </summary>
    public string? HealthUrl { get; init; }

    /// <summary>The one-shot jobs that must have succeeded before it starts.</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>The deployable the image runs: the first word of <see cref="Command"/>.</summary>
    public string Deployable => Command[0];

    public bool LongRunning => Kind is ServiceKind.Worker or ServiceKind.Web;

    /// <summary>
    /// Every setting as the process sees it: plain values, then each secret's setting naming its file.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment =>
    [
        .. Settings,
        .. Secrets.Where(s => s.SettingName is not null).Select(s => new KeyValuePair<string, string>(s.SettingName!,
            s.MountPath)),
    ];

    /// <summary>A plain setting's value, or null.</summary>
    public string? SettingOf(string name) => Settings.FirstOrDefault(s => s.Key == name).Value;
}
