using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Plumbing;

/// <summary>
/// One operator's own key: the secret only that operator holds (a file given to cpctl, or sealed under
/// their password in the console's operators file). Every decision the operator tools publish as
/// <c>operator</c> also carries that operator's signature for each consuming service, under a key
/// derived from this secret for that service alone (HKDF-SHA256, <see cref="ConsumerSecret"/>): a
/// service holds only the derived key made for it, so a copy of it cannot sign as the operator to
/// anyone else, nor give the operator's secret back. A consumer takes the operator's name and role from the key
/// that verifies, never from what a message says (docs/trust-boundary.md, "Operator keys"): the role is given
/// when the key is issued, and an operator whose role changes is issued a new key.
/// </summary>
public sealed partial record OperatorKey(string Operator, string KeyId, byte[] Secret, string Role)
{
    /// <summary>The setting (cpctl) naming the file of the operator's key; <c>--operator-key</c> wins.</summary>
    public const string FileVariable = "CONTESTPIPELINE_OPERATOR_KEY";
    /// <summary>
    /// In a signing-keys folder, the consumers' keys:
    /// <c>operators/&lt;operator&gt;/&lt;consumer&gt;/&lt;key id&gt;.&lt;role&gt;.key</c>.
    /// </summary>
    public const string ConsumerKeysFolder = "operators";
    public const string FileExtension = ".operator-key";

    /// <summary>The HKDF info's label; the operator, the consumer and the key id follow, each after "\n".</summary>
    public const string DerivationLabel = "contestpipeline.operator.v1";

    /// <summary>
    /// The key the consuming service <paramref name="consumer"/> holds to check this operator's signatures:
    /// HKDF-SHA256 of the secret, no salt, 32 bytes, info
    /// <c>contestpipeline.operator.v1\n&lt;operator&gt;\n&lt;consumer&gt;\n&lt;key id&gt;</c> (UTF-8).
    /// </summary>
    public byte[] ConsumerSecret(string consumer) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Secret, SigningKey.SecretBytesMin, [],
            Encoding.UTF8.GetBytes($"{DerivationLabel}\n{Operator}\n{consumer}\n{KeyId}"));

    /// <summary>
    /// What the MAC for a consumer binds besides the message: the operator and the key id, in the key id field
    /// of the message encoding (<c>&lt;operator&gt;/&lt;key id&gt;</c>).
    /// </summary>
    public static string SignedKeyId(string @operator, string keyId) => @operator + "/" + keyId;

    /// <summary>A new key of <paramref name="role"/> (<see cref="OperatorRoles"/>), the key's for good.</summary>
    public static OperatorKey Generate(string @operator, string keyId, string role) =>
        new(Checked(@operator, "an operator's name"), Checked(keyId, "a key id"),
            RandomNumberGenerator.GetBytes(SigningKey.SecretBytesMin), CheckedRole(role));

    private static string CheckedRole(string role) =>
        OperatorRoles.Rank(role) >= 0 ? role
            : throw new StartupException(
                $"'{role}' is not an operator's role: one of {string.Join(", ", OperatorRoles.All)}");

    /// <summary>
    /// The file name a consuming service keeps the key under, <c>&lt;key id&gt;.&lt;role&gt;.key</c>: the service
    /// learns the operator's role from the key that verifies a decision, never from the decision.
    /// </summary>
    public static string ConsumerKeyFile(string keyId, string role) => $"{keyId}.{role}{SigningKeys.KeyFileExtension}";

    /// <summary>The key id and role a service's key file name (without <c>.key</c>) carries; false if none.</summary>
    public static bool TryParseConsumerKeyFile(string name, out string keyId, out string role)
    {
        var dot = name.LastIndexOf('.');
        keyId = dot > 0 ? name[..dot] : name;
        role = dot > 0 ? name[(dot + 1)..] : "";
        return OperatorRoles.Rank(role) >= 0 && IsName(keyId);
    }

    /// <summary>Whether it can name an operator or a key: 1 to 64 letters, digits, '.', '_' or '-'.</summary>
    public static bool IsName([NotNullWhen(true)] string? name) => name is not null && Name().IsMatch(name);

    private static string Checked(string name, string what) =>
        IsName(name) ? name
            : throw new StartupException($"'{name}' is not {what}: 1 to 64 letters, digits, '.', '_' or '-'");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    /// <summary>The setting cpctl reads a sealed key's password from when it cannot ask for it.</summary>
    public const string PasswordVariable = "CONTESTPIPELINE_OPERATOR_KEY_PASSWORD";

    /// <summary>
    /// The file's text: JSON <c>{"operator":"ann","keyId":"2026-11","role":"admin","secret":"&lt;base64&gt;"}</c>;
    /// sealed under <paramref name="password"/> (<see cref="SealedOperatorKey"/>), <c>"sealed":{…}</c> in place of
    /// the secret, so the file alone signs nothing: a second factor, what the operator knows beside what they hold.
    /// </summary>
    public string ToFileText(string? password = null) =>
        JsonSerializer.Serialize(password is null
            ? new File(Operator, KeyId, Convert.ToBase64String(Secret), Role)
            : new File(Operator, KeyId, null, Role, SealedOperatorKey.Seal(this, password)), Json) + "\n";

    /// <summary>
    /// Reads an operator's key file, opening a sealed one with the password <paramref name="password"/> gives
    /// (by default <see cref="PasswordVariable"/>, else asked for on the terminal); anything unreadable, or a
    /// password that does not open it, is an error naming the file.
    /// </summary>
    public static OperatorKey Read(string path, Func<string?>? password = null) =>
        Parse(ReadText(path), path, password ?? AskedPassword);

    /// <summary>
    /// Reads a key that must be sealed under its operator's password (production: the file alone signs nothing),
    /// judged on the same read of the file that is opened, so a file swapped between a check and the read cannot
    /// pass an unsealed key.
    /// </summary>
    public static OperatorKey ReadSealed(string path, Func<string?>? password = null)
    {
        var text = ReadText(path);
        if (Deserialize(text, path).Sealed is null)
            throw new StartupException($"operator key {path}: in production an operator's key is sealed under " +
                "their password; seal it with cpctl operator-key seal --key FILE (docs/operations.md, " +
                "\"Operator keys\")");
        return Parse(text, path, password ?? AskedPassword);
    }

    /// <summary>The operator a key file names, read without opening it.</summary>
    public static string OperatorOf(string path) =>
        Deserialize(ReadText(path), path).Operator is { } name && IsName(name) ? name
            : throw new StartupException($"operator key {path}: it names no operator");

    private static string ReadText(string path)
    {
        try
        {
            return System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"operator key {path}: cannot read it: {e.Message}", e);
        }
    }

    public static OperatorKey Parse(string text, string where, Func<string?>? password = null)
    {
        var file = Deserialize(text, where);
        if (!IsName(file.Operator) || !IsName(file.KeyId) || (file.Secret is null && file.Sealed is null))
            throw new StartupException($"operator key {where}: it needs an operator, a keyId and a secret");
        if (OperatorRoles.Rank(file.Role ?? "") < 0)
            throw new StartupException($"operator key {where}: " + (file.Role is null
                ? "it names no role (issued before roles were bound to keys): issue a new one with " +
                    "cpctl operator-key issue --role"
                : $"role '{file.Role}' is not one of {string.Join(", ", OperatorRoles.All)}"));
        if (file.Sealed is { } sealedKey) return Open(sealedKey, file, where, password);
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(file.Secret!);
        }
        catch (FormatException)
        {
            throw new StartupException($"operator key {where}: the secret is not base64");
        }
        return secret.Length >= SigningKey.SecretBytesMin
            ? new OperatorKey(file.Operator!, file.KeyId!, secret, file.Role!)
            : throw new StartupException(
                $"operator key {where}: {secret.Length} bytes; a key is at least {SigningKey.SecretBytesMin}");
    }

    private static OperatorKey Open(SealedOperatorKey sealedKey, File file, string where, Func<string?>? password)
    {
        if (sealedKey.KeyId != file.KeyId || sealedKey.Role != file.Role)
            throw new StartupException(
                $"operator key {where}: the sealed key is not of the key id and role the file names");
        var given = password?.Invoke();
        if (string.IsNullOrEmpty(given))
            throw new StartupException($"operator key {where}: {file.Operator}'s key is sealed under their password; " +
                $"give it when asked, or in {PasswordVariable} where nothing can ask");
        return sealedKey.Open(file.Operator!, given)
            ?? throw new StartupException(
                $"operator key {where}: the password given does not open {file.Operator}'s key");
    }

    private static File Deserialize(string text, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<File>(text, Json)
                ?? throw new StartupException($"operator key {where}: not an operator's key file: empty");
        }
        catch (JsonException e)
        {
            throw new StartupException($"operator key {where}: not an operator's key file: {e.Message}");
        }
    }

    /// <summary>
    /// The password of a sealed key: <see cref="PasswordVariable"/> when set, else typed at the terminal (not
    /// echoed); null when neither can be had.
    /// </summary>
    private static string? AskedPassword()
    {
        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } set) return set;
        if (Console.IsInputRedirected) return null;
        Console.Error.Write("password of your operator's key: ");
        var typed = new StringBuilder();
        try
        {
            for (var k = Console.ReadKey(intercept: true); k.Key != ConsoleKey.Enter; k = Console.ReadKey(true))
            {
                if (k.Key == ConsoleKey.Backspace && typed.Length > 0) typed.Length--;
                else if (!char.IsControl(k.KeyChar)) typed.Append(k.KeyChar);
            }
        }
        catch (InvalidOperationException)
        {
            return null; // no terminal to type on
        }
        Console.Error.WriteLine();
        return typed.ToString();
    }

    /// <summary>
    /// Writes the key to <paramref name="path"/>, sealed under <paramref name="password"/> when one is given, readable
    /// by its owner only (written aside, moved).
    /// </summary>
    public void WriteTo(string path, string? password = null)
    {
        var temporary = path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        System.IO.File.WriteAllText(temporary, ToFileText(password));
        if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(temporary, OwnerOnly);
        System.IO.File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Writes the key each of <paramref name="consumers"/> checks this operator's signatures with into a
    /// signing-keys folder (<c>operators/&lt;operator&gt;/&lt;consumer&gt;/&lt;key id&gt;.&lt;role&gt;.key</c>), from
    /// which each service's own folder takes only its own; any other file of the same key id there (another role,
    /// or none) goes.
    /// </summary>
    public void IssueTo(string signingKeysDirectory, IEnumerable<string> consumers)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        foreach (var consumer in consumers)
        {
            var folder = Path.Combine(signingKeysDirectory, ConsumerKeysFolder, Operator, consumer);
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, ConsumerKeyFile(KeyId, Role));
            foreach (var other in Directory.EnumerateFiles(folder, "*" + SigningKeys.KeyFileExtension)
                         .Where(f => f != file && SameKeyId(Path.GetFileNameWithoutExtension(f))).ToList())
                System.IO.File.Delete(other);
            var temporary = file + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            System.IO.File.WriteAllText(temporary, Convert.ToBase64String(ConsumerSecret(consumer)) + "\n");
            if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(temporary, OwnerOnly);
            System.IO.File.Move(temporary, file, overwrite: true);
        }
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private bool SameKeyId(string fileName) =>
        fileName == KeyId || (TryParseConsumerKeyFile(fileName, out var keyId, out _) && keyId == KeyId);

    private sealed record File(string? Operator, string? KeyId, string? Secret, string? Role,
        SealedOperatorKey? Sealed = null);
}
