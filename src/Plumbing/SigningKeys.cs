using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Plumbing;

/// <summary>
/// The message-signing keys a process holds: pair keys, one per (producer, consuming service).
/// As a producer it holds (itself, c) for every consumer c of what it may publish, and signs each
/// message once per consumer; as a consumer it holds (p, itself) for every producer p it verifies,
/// and checks only its own signature. A process that can verify a producer therefore cannot sign
/// as that producer for anyone else (HMAC-SHA256 is symmetric: a shared key would let it).
/// Read at start from a directory, <see cref="DirectoryVariable"/>, laid out as
/// <c>&lt;producer&gt;/&lt;consumer&gt;/&lt;key id&gt;.key</c>, each file holding the base64 of a random secret of
/// at least 32 bytes. Every key of a pair is accepted, so a key is rolled by adding the new one to
/// the consumer first; a producer signs with a pair's only key, or, while it has several, with the
/// one its <c>&lt;producer&gt;/&lt;consumer&gt;/signing-key</c> file names. The folder a service is given holds
/// exactly its pairs (src/Deployment/Services.cs, <c>cpctl compose keys</c>).
/// </summary>
public sealed partial class SigningKeys
{
    public const string DirectoryVariable = "CONTESTPIPELINE_SIGNING_KEYS_DIR";
    public const string KeyFileExtension = ".key";
    /// <summary>In a pair's folder: names the key id the producer signs with while the pair has several.</summary>
    public const string SigningKeyFile = "signing-key";
    /// <summary>What local set-up names the keys it generates.</summary>
    public const string LocalKeyId = "local-1";

    private readonly Dictionary<(string Producer, string Consumer, string KeyId), byte[]> _keys;
    private readonly Dictionary<(string Producer, string Consumer), string> _signingKeyIds;
    private readonly Dictionary<(string Operator, string Consumer, string KeyId), SigningKey> _operatorKeys;

    private SigningKeys(string source, IEnumerable<SigningKey> keys,
        IReadOnlyDictionary<(string, string), string> signingKeyIds, IEnumerable<SigningKey>? operatorKeys = null)
    {
        Source = source;
        _keys = keys.ToDictionary(k => (k.Producer, k.Consumer, k.KeyId), k => k.Secret);
        _signingKeyIds = new Dictionary<(string, string), string>(signingKeyIds);
        _operatorKeys = (operatorKeys ?? []).ToDictionary(k => (k.Producer, k.Consumer, k.KeyId));
    }

    /// <summary>Where the keys were read from (a directory), for messages.</summary>
    public string Source { get; }

    /// <summary>Every pair with at least one key, in ordinal order.</summary>
    public IReadOnlyList<(string Producer, string Consumer)> Pairs =>
        [.. _keys.Keys.Select(k => (k.Producer, k.Consumer)).Distinct().OrderBy(p => p.Producer, StringComparer.Ordinal)
            .ThenBy(p => p.Consumer, StringComparer.Ordinal)];

    /// <summary>No keys at all: a verifier with these refuses every message on an internal topic.</summary>
    public static SigningKeys None { get; } = new("no keys", [], new Dictionary<(string, string), string>());

    /// <summary>Keys held in memory (a benchmark's, a test's attacker's).</summary>
    public static SigningKeys Of(params SigningKey[] keys) =>
        new("memory", keys, new Dictionary<(string, string), string>());

    /// <summary>
    /// These keys and, for checking operators' own signatures, the keys <paramref name="operators"/> give
    /// <paramref name="consumer"/> (a test's).
    /// </summary>
    public SigningKeys WithOperators(string consumer, params OperatorKey[] operators) =>
        new(Source, _keys.Select(k => new SigningKey(k.Key.Producer, k.Key.Consumer, k.Key.KeyId, k.Value)),
            _signingKeyIds,
            [
                .. _operatorKeys.Values,
                .. operators.Select(o =>
                    new SigningKey(o.Operator, consumer, o.KeyId, o.ConsumerSecret(consumer), o.Role)),
            ]);

    /// <summary>
    /// The key that checks <paramref name="operator"/>'s own signatures for <paramref name="consumer"/>
    /// (<c>operators/&lt;operator&gt;/&lt;consumer&gt;/&lt;key id&gt;.&lt;role&gt;.key</c>) and the role it was issued
    /// for; false for an operator not issued to it.
    /// </summary>
    public bool TryGetOperatorSecret(string @operator, string consumer, string keyId, out byte[] secret,
        out string role)
    {
        var found = _operatorKeys.TryGetValue((@operator, consumer, keyId), out var key);
        secret = found ? key!.Secret : [];
        role = key?.Role ?? "";
        return found;
    }

    /// <summary>
    /// Why a key of role <paramref name="role"/> may not sign what needs <paramref name="needed"/>; null when it may.
    /// </summary>
    public static string? RoleRefusal(string @operator, string keyId, string role, string needed, string what) =>
        OperatorRoles.Allows(role, needed) ? null
            : $"operator {@operator}'s key {keyId} is {OperatorRoles.WithArticle(role)}'s; {what} needs " +
                $"{OperatorRoles.WithArticle(needed)} (docs/trust-boundary.md, \"Operator roles\")";

    /// <summary>The operators whose signatures these keys check, in ordinal order.</summary>
    public IReadOnlyList<string> Operators =>
        [.. _operatorKeys.Keys.Select(k => k.Operator).Distinct().Order(StringComparer.Ordinal)];

    public static SigningKey Generate(string producer, string consumer, string keyId = LocalKeyId) =>
        new(producer, consumer, keyId, RandomNumberGenerator.GetBytes(SigningKey.SecretBytesMin));

    public bool TryGetSecret(string producer, string consumer, string keyId, out byte[] secret) =>
        _keys.TryGetValue((producer, consumer, keyId), out secret!);

    /// <summary>
    /// The key <paramref name="producer"/> signs with for <paramref name="consumer"/>; a start-up error naming
    /// the setting when there is none.
    /// </summary>
    public SigningKey SigningKeyOf(string producer, string consumer)
    {
        var ids = _keys.Keys.Where(k => k.Producer == producer && k.Consumer == consumer).Select(k => k.KeyId)
            .Order(StringComparer.Ordinal).ToList();
        var folder = Path.Combine(Source, producer, consumer);
        if (ids.Count == 0)
            throw new StartupException($"no signing key for producer '{producer}' to consumer '{consumer}' in " +
                $"{Source} ({DirectoryVariable}): expected {Path.Combine(folder, "<key id>" + KeyFileExtension)}");
        string id;
        if (_signingKeyIds.TryGetValue((producer, consumer), out var named))
        {
            id = ids.Contains(named, StringComparer.Ordinal)
                ? named
                : throw new StartupException($"{DirectoryVariable}: {Path.Combine(folder, SigningKeyFile)} "
                    + $"names key '{named}', which is not among {string.Join(", ", ids)}");
        }
        else if (ids.Count == 1) id = ids[0];
        else
            throw new StartupException(
                $"{DirectoryVariable}: pair {producer} -> {consumer} has keys {string.Join(", ", ids)} in {Source}; "
                + $"write the one it signs with into {Path.Combine(folder, SigningKeyFile)}");
        return new SigningKey(producer, consumer, id, _keys[(producer, consumer, id)]);
    }

    /// <summary>
    /// A signer for <paramref name="producer"/>'s messages on the internal topics of
    /// <paramref name="rights"/>: one signature for every consumer it holds a pair key for that reads the topic
    /// (<paramref name="readersOf"/>; null: for every consumer it holds a pair key for). A producer the table lets
    /// publish something must hold at least one (a start-up error otherwise).
    /// </summary>
    public MessageSigner SignerFor(string producer, PublishRights? rights = null,
        Func<string, IReadOnlyList<string>>? readersOf = null)
    {
        rights ??= PublishRights.Pipeline;
        var consumers = _keys.Keys.Where(k => k.Producer == producer).Select(k => k.Consumer).Distinct()
            .Order(StringComparer.Ordinal).ToList();
        if (consumers.Count == 0 && rights.Rows.Any(r => r.Producers.Contains(producer, StringComparer.Ordinal)))
            throw new StartupException(
                $"no signing key for producer '{producer}' in {Source} ({DirectoryVariable}): expected " +
                $"{Path.Combine(Source, producer, "<consumer>", "<key id>" + KeyFileExtension)} " +
                "for each consumer of what it publishes");
        return new MessageSigner(producer, consumers.Select(c => SigningKeyOf(producer, c)), rights, readersOf);
    }

    /// <summary>
    /// A verifier for messages consumed by <paramref name="consumer"/> (a service's name): it checks their
    /// signature for it only.
    /// </summary>
    public MessageVerifier Verifier(string consumer, PublishRights? rights = null) =>
        new(this, rights ?? PublishRights.Pipeline, consumer);

    /// <summary>
    /// The keys named by <see cref="DirectoryVariable"/>. Production and staging must set it;
    /// elsewhere it defaults to the local keys <c>./run</c> generates (<see cref="LocalDirectoryDefault"/>).
    /// </summary>
    public static SigningKeys Resolve(IConfiguration? configuration, DeploymentEnvironment environment)
    {
        var directory = Setting.Text(configuration, DirectoryVariable);
        if (directory is null)
        {
            if (environment is DeploymentEnvironment.Production or DeploymentEnvironment.Staging)
                throw new StartupException($"{DirectoryVariable} is not set: every process signs what it publishes "
                    + "and verifies what it consumes with its pair keys, read from there");
            directory = LocalDirectoryDefault;
        }
        return Load(directory);
    }

    /// <summary>Where local set-up keeps its generated keys: in the local cache, outside the clone.</summary>
    public static string LocalDirectoryDefault => Path.Combine(PipelineSettings.LocalCacheDirectory, "signing-keys");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    /// <summary>
    /// Reads every pair key under <paramref name="directory"/>; any unreadable or malformed key is a start-up error
    /// naming its file, and so is a key of the old per-producer layout (<c>&lt;producer&gt;/&lt;key id&gt;.key</c>).
    /// </summary>
    public static SigningKeys Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new StartupException($"{DirectoryVariable}: {directory} is not a directory "
                + "(./run generates local keys; production mounts them)");
        var keys = new List<SigningKey>();
        var signing = new Dictionary<(string, string), string>();
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
            {
                var producer = Path.GetFileName(folder);
                if (!Name().IsMatch(producer) || producer == OperatorKey.ConsumerKeysFolder) continue;
                if (Directory.EnumerateFiles(folder, "*" + KeyFileExtension).Order(StringComparer.Ordinal)
                        .FirstOrDefault() is { } old)
                    throw new StartupException(
                        $"{DirectoryVariable}: {old} is a producer key of the old layout; keys are pair keys now, " +
                        $"{Path.Combine(directory, producer, "<consumer>", "<key id>" + KeyFileExtension)} " +
                        "(docs/operations.md, \"Pair keys: cut-over\")");
                foreach (var pair in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
                {
                    var consumer = Path.GetFileName(pair);
                    if (!Name().IsMatch(consumer)) continue;
                    keys.AddRange(ReadPair(pair, producer, consumer));
                    var named = Path.Combine(pair, SigningKeyFile);
                    if (File.Exists(named)) signing[(producer, consumer)] = File.ReadAllText(named).Trim();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{DirectoryVariable}: cannot read {directory}: {e.Message}", e);
        }
        return new SigningKeys(directory, keys, signing, LoadOperatorKeys(directory));
    }

    /// <summary>
    /// The keys that check operators' own signatures:
    /// <c>operators/&lt;operator&gt;/&lt;consumer&gt;/&lt;key id&gt;.&lt;role&gt;.key</c>, read as a pair key is (the
    /// operator in the producer's place), with the role the key was issued for; a key naming no role is an error.
    /// </summary>
    private static List<SigningKey> LoadOperatorKeys(string directory)
    {
        var keys = new List<SigningKey>();
        var root = Path.Combine(directory, OperatorKey.ConsumerKeysFolder);
        if (!Directory.Exists(root)) return keys;
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(folder);
                if (!Name().IsMatch(name)) continue;
                foreach (var pair in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
                {
                    var consumer = Path.GetFileName(pair);
                    if (!Name().IsMatch(consumer)) continue;
                    keys.AddRange(ReadOperatorPair(pair, name, consumer));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{DirectoryVariable}: cannot read {root}: {e.Message}", e);
        }
        return keys;
    }

    /// <summary>Every key an operator's key gave one consumer, by key id, with its role.</summary>
    private static IEnumerable<SigningKey> ReadOperatorPair(string pair, string @operator, string consumer)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(pair, "*" + KeyFileExtension).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!OperatorKey.TryParseConsumerKeyFile(name, out var keyId, out var role))
                throw new StartupException($"{DirectoryVariable}: {file}: an operator's key is named " +
                    $"<key id>.<role>{KeyFileExtension}, the role one of {string.Join(", ", OperatorRoles.All)} " +
                    "(issued before roles were bound to keys? issue a new one: cpctl operator-key issue --role)");
            if (!seen.Add(keyId))
                throw new StartupException($"{DirectoryVariable}: {pair}: operator {@operator}'s key {keyId} is " +
                    "there under two roles; keep the one it was issued for");
            yield return new SigningKey(@operator, consumer, keyId, ReadSecret(file), role);
        }
    }

    /// <summary>Every key in one pair's folder, by key id.</summary>
    private static IEnumerable<SigningKey> ReadPair(string pair, string producer, string consumer)
    {
        foreach (var file in Directory.EnumerateFiles(pair, "*" + KeyFileExtension).Order(StringComparer.Ordinal))
        {
            var keyId = Path.GetFileNameWithoutExtension(file);
            if (!Name().IsMatch(keyId))
                throw new StartupException(
                    $"{DirectoryVariable}: {file}: a key id is 1 to 64 letters, digits, '.', '_' or '-'");
            yield return new SigningKey(producer, consumer, keyId, ReadSecret(file));
        }
    }

    private static byte[] ReadSecret(string file)
    {
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(File.ReadAllText(file).Trim());
        }
        catch (FormatException)
        {
            throw new StartupException($"{DirectoryVariable}: {file} does not hold a base64 secret");
        }
        return secret.Length >= SigningKey.SecretBytesMin
            ? secret
            : throw new StartupException($"{DirectoryVariable}: {file} holds {secret.Length} bytes; "
                + $"a key is at least {SigningKey.SecretBytesMin}");
    }

    /// <summary>
    /// Writes a new random key <see cref="LocalKeyId"/> for every pair in <paramref name="pairs"/>
    /// that has none under <paramref name="directory"/>; keys that exist are kept. Safe when several
    /// processes run it at once: a key file appears whole (written aside, then moved into place) and
    /// the first one written stays. For local set-up and tests; production keys come from the
    /// operator's secret store.
    /// </summary>
    public static void CreateMissing(string directory, IEnumerable<(string Producer, string Consumer)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        foreach (var (producer, consumer) in pairs)
        {
            var folder = Path.Combine(directory, producer, consumer);
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
            {
                const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
                File.SetUnixFileMode(Path.Combine(directory, producer), owner);
                File.SetUnixFileMode(folder, owner);
            }
            if (Directory.EnumerateFiles(folder, "*" + KeyFileExtension).Any()) continue;
            var temporary = Path.Combine(folder, $".{LocalKeyId}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(temporary,
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(SigningKey.SecretBytesMin)) + "\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                File.Move(temporary, Path.Combine(folder, LocalKeyId + KeyFileExtension), overwrite: false);
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, LocalKeyId + KeyFileExtension)))
            {
                File.Delete(temporary);
            }
        }
    }
}
