using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ContestPipeline.Plumbing.Kafka;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Contracts.Authentication;
using Microsoft.Extensions.Configuration;

namespace ContestPipeline.Plumbing;

/// <summary>One producer's key: the secret its messages are signed with, named by its key id.</summary>
public sealed record SigningKey(string Producer, string KeyId, byte[] Secret)
{
    public const int SecretBytesMin = 32;
}

/// <summary>
/// The message-signing keys a process holds: every key of every producer it verifies, and
/// its own (a producer's key signs and verifies alike: HMAC-SHA256). Read at start from a
/// directory, <see cref="DirectoryVariable"/>, laid out as <c>&lt;producer&gt;/&lt;key id&gt;.key</c>,
/// each file holding the base64 of a random secret of at least 32 bytes. Every key of a
/// producer is accepted, so a key is rolled by adding the new one everywhere first; a producer
/// signs with its only key, or, while it has several, with the one its
/// <c>&lt;producer&gt;/signing-key</c> file names. A process is given only the producers it
/// needs: its own to sign, those it consumes from to verify.
/// </summary>
public sealed partial class SigningKeys
{
    public const string DirectoryVariable = "CONTESTPIPELINE_SIGNING_KEYS_DIR";
    public const string KeyFileExtension = ".key";
    /// <summary>In a producer's folder: names the key id it signs with while it holds several.</summary>
    public const string SigningKeyFile = "signing-key";
    /// <summary>What local set-up names the keys it generates.</summary>
    public const string LocalKeyId = "local-1";

    private readonly Dictionary<(string Producer, string KeyId), byte[]> _keys;
    private readonly Dictionary<string, string> _signingKeyIds;

    private SigningKeys(string source, IEnumerable<SigningKey> keys, IReadOnlyDictionary<string, string> signingKeyIds)
    {
        Source = source;
        _keys = keys.ToDictionary(k => (k.Producer, k.KeyId), k => k.Secret);
        _signingKeyIds = new Dictionary<string, string>(signingKeyIds, StringComparer.Ordinal);
    }

    /// <summary>Where the keys were read from (a directory), for messages.</summary>
    public string Source { get; }

    /// <summary>Producers with at least one key.</summary>
    public IEnumerable<string> ProducerNames => _keys.Keys.Select(k => k.Producer).Distinct(StringComparer.Ordinal);

    /// <summary>No keys at all: a verifier with these refuses every message on an internal topic.</summary>
    public static SigningKeys None { get; } = new("no keys", [], new Dictionary<string, string>());

    /// <summary>Keys held in memory (a benchmark's, a test's attacker's).</summary>
    public static SigningKeys Of(params SigningKey[] keys) => new("memory", keys, new Dictionary<string, string>());

    public static SigningKey Generate(string producer, string keyId = LocalKeyId) => new(producer, keyId, RandomNumberGenerator.GetBytes(SigningKey.SecretBytesMin));

    public bool TryGetSecret(string producer, string keyId, out byte[] secret) => _keys.TryGetValue((producer, keyId), out secret!);

    /// <summary>The key <paramref name="producer"/> signs with; a start-up error naming the setting when there is none.</summary>
    public SigningKey SigningKeyOf(string producer)
    {
        var ids = _keys.Keys.Where(k => k.Producer == producer).Select(k => k.KeyId).Order(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
            throw new StartupException($"no signing key for producer '{producer}' in {Source} ({DirectoryVariable}): expected {Path.Combine(Source, producer, "<key id>" + KeyFileExtension)}");
        string id;
        if (_signingKeyIds.TryGetValue(producer, out var named))
        {
            id = ids.Contains(named, StringComparer.Ordinal)
                ? named
                : throw new StartupException($"{DirectoryVariable}: {Path.Combine(Source, producer, SigningKeyFile)} names key '{named}', which is not among {string.Join(", ", ids)}");
        }
        else if (ids.Count == 1) id = ids[0];
        else
            throw new StartupException(
                $"{DirectoryVariable}: producer '{producer}' has keys {string.Join(", ", ids)} in {Source}; write the one it signs with into {Path.Combine(Source, producer, SigningKeyFile)}");
        return new SigningKey(producer, id, _keys[(producer, id)]);
    }

    /// <summary>A signer for <paramref name="producer"/>'s messages on the internal topics of <paramref name="rights"/>.</summary>
    public MessageSigner SignerFor(string producer, PublishRights? rights = null) => new(SigningKeyOf(producer), rights ?? PublishRights.Pipeline);

    public MessageVerifier Verifier(PublishRights? rights = null) => new(this, rights ?? PublishRights.Pipeline);

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
                throw new StartupException($"{DirectoryVariable} is not set: every process signs what it publishes with its producer key, read from there");
            directory = LocalDirectoryDefault;
        }
        return Load(directory);
    }

    /// <summary>Where local set-up keeps its generated keys: in the local cache, outside the clone.</summary>
    public static string LocalDirectoryDefault => Path.Combine(PipelineSettings.LocalCacheDirectory, "signing-keys");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    /// <summary>Reads every key under <paramref name="directory"/>; any unreadable or malformed key is a start-up error naming its file.</summary>
    public static SigningKeys Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new StartupException($"{DirectoryVariable}: {directory} is not a directory (./run generates local keys; production mounts them)");
        var keys = new List<SigningKey>();
        var signing = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
            {
                var producer = Path.GetFileName(folder);
                if (!Name().IsMatch(producer)) continue;
                foreach (var file in Directory.EnumerateFiles(folder, "*" + KeyFileExtension).Order(StringComparer.Ordinal))
                {
                    var keyId = Path.GetFileNameWithoutExtension(file);
                    if (!Name().IsMatch(keyId))
                        throw new StartupException($"{DirectoryVariable}: {file}: a key id is 1 to 64 letters, digits, '.', '_' or '-'");
                    keys.Add(new SigningKey(producer, keyId, ReadSecret(file)));
                }
                var named = Path.Combine(folder, SigningKeyFile);
                if (File.Exists(named)) signing[producer] = File.ReadAllText(named).Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{DirectoryVariable}: cannot read {directory}: {e.Message}", e);
        }
        return new SigningKeys(directory, keys, signing);
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
            : throw new StartupException($"{DirectoryVariable}: {file} holds {secret.Length} bytes; a key is at least {SigningKey.SecretBytesMin}");
    }

    /// <summary>
    /// Writes a new random key <see cref="LocalKeyId"/> for every producer in
    /// <paramref name="producers"/> that has none under <paramref name="directory"/>; keys that
    /// exist are kept. Safe when several processes run it at once: a key file appears whole
    /// (written aside, then moved into place) and the first one written stays. For local
    /// set-up and tests; production keys come from the operator's secret store.
    /// </summary>
    public static void CreateMissing(string directory, IEnumerable<string> producers)
    {
        ArgumentNullException.ThrowIfNull(producers);
        foreach (var producer in producers)
        {
            var folder = Path.Combine(directory, producer);
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (Directory.EnumerateFiles(folder, "*" + KeyFileExtension).Any()) continue;
            var temporary = Path.Combine(folder, $".{LocalKeyId}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(temporary, Convert.ToBase64String(RandomNumberGenerator.GetBytes(SigningKey.SecretBytesMin)) + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
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
