using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Deployment;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The message-signing keys of a local run: every pair's (<see cref="KeyPairs.All"/>), in
/// <see cref="SigningKeys.DirectoryVariable"/> (which <c>./run</c> sets) or the local default,
/// generated there once if missing. The demo, the campaign, the benchmarks and the tests pass
/// the directory to every process they start and sign as the outside producers (operators,
/// the entry API) with them.
/// </summary>
public static class LocalSigningKeys
{
    private static readonly Lazy<SigningKeys> Loaded = new(() =>
    {
        RemoveOldLayout(Directory);
        SigningKeys.CreateMissing(Directory, KeyPairs.All);
        IssueOperatorKeys();
        return SigningKeys.Load(Directory);
    });

    /// <summary>
    /// The operators of local runs, each with a key of their own: the tests' and the console's sign-ins, the
    /// demo's and staging's operators, and <c>operator</c>, who cancels for the tests' harness.
    /// </summary>
    public static IReadOnlyList<string> Operators { get; } =
    [
        "ann", "bob", "cy", "cat", "admin", "approver", "viewer", "root", "vic", "operator", "test-operator",
        "test-admin",
        "demo-operator", "staging-operator",
    ];

    /// <summary>
    /// The role each local operator's key is issued for: <c>viewer</c> and <c>vic</c> view, <c>approver</c> approves,
    /// every other local operator is an admin.
    /// </summary>
    public static string RoleOf(string name) => name switch
    {
        "viewer" or "vic" => OperatorRoles.Viewer,
        "approver" => OperatorRoles.Approver,
        _ => OperatorRoles.Admin,
    };

    /// <summary>Who signs an operator's message that names nobody (a contest definition from the harness).</summary>
    public const string DefaultOperator = "ann";

    /// <summary>
    /// Each local operator's own key, generated once into <see cref="OperatorKeys.LocalDirectoryDefault"/> (where
    /// cpctl finds it by <c>--operator</c> in development and test), and the key it gives every service that
    /// verifies operators' decisions, written into the pair keys' folder (rewritten each time: derived, so the same).
    /// </summary>
    private static void IssueOperatorKeys()
    {
        foreach (var name in Operators)
            foreach (var role in OperatorRoles.All)
                Issue(name, role);
    }

    /// <summary>
    /// A local operator's key of <paramref name="role"/>: the one cpctl finds by <c>--operator</c> for the role
    /// <see cref="RoleOf"/> gives the name (key id <see cref="SigningKeys.LocalKeyId"/>), and one more for each other
    /// role (key id <c>local-1-&lt;role&gt;</c>), so a test's console can sign ann in as an approver while the
    /// harness cancels as ann the admin.
    /// </summary>
    private static OperatorKey Issue(string name, string role)
    {
        System.IO.Directory.CreateDirectory(OperatorKeys.LocalDirectoryDefault);
        var usual = role == RoleOf(name);
        var file = OperatorKeys.LocalFile(name);
        if (!usual) file = Path.ChangeExtension(file, $".{role}{OperatorKey.FileExtension}");
        var keyId = usual ? SigningKeys.LocalKeyId : $"{SigningKeys.LocalKeyId}-{role}";
        if (File.Exists(file) && !IsOfRole(file, role))
        {
            // A key from before roles were bound to keys (or of another role): set aside, and a new one issued.
            try
            {
                File.Move(file, $"{file}.replaced-{Environment.ProcessId}-{Guid.NewGuid():N}");
            }
            catch (FileNotFoundException)
            {
                // Another process set it aside first.
            }
        }
        if (!File.Exists(file))
        {
            // Written aside, then moved into place: when several processes race, the first key stays.
            var aside = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}";
            OperatorKey.Generate(name, keyId, role).WriteTo(aside);
            try
            {
                File.Move(aside, file, overwrite: false);
            }
            catch (IOException) when (File.Exists(file))
            {
                File.Delete(aside);
            }
        }
        var key = OperatorKey.Read(file);
        key.IssueTo(Directory, KeyPairs.OperatorKeyHolders);
        return key;
    }

    private static bool IsOfRole(string file, string role)
    {
        try
        {
            return OperatorKey.Read(file).Role == role;
        }
        catch (StartupException)
        {
            return false;
        }
    }

    /// <summary>
    /// A local operator's own key, of <paramref name="role"/> (by default the one <see cref="RoleOf"/> gives the
    /// name), generated first where missing; the services started from then on verify it.
    /// </summary>
    public static OperatorKey Operator(string name, string? role = null)
    {
        _ = Keys;
        return Issue(name, role ?? RoleOf(name));
    }

    public static string Directory =>
        Environment.GetEnvironmentVariable(SigningKeys.DirectoryVariable) is { Length: > 0 } set
            ? set : SigningKeys.LocalDirectoryDefault;

    /// <summary>
    /// Local keys made before pair keys (<c>&lt;producer&gt;/&lt;key id&gt;.key</c>) are thrown away: they are
    /// generated, never anyone's secret, and a key folder holding one is refused at start.
    /// </summary>
    private static void RemoveOldLayout(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return;
        foreach (var folder in System.IO.Directory.EnumerateDirectories(directory))
            foreach (var old in System.IO.Directory.EnumerateFiles(folder, "*" + SigningKeys.KeyFileExtension))
                File.Delete(old);
        // Operators' keys from before roles were bound to keys (<key id>.key): the local operators' are issued again.
        var operators = Path.Combine(directory, OperatorKey.ConsumerKeysFolder);
        if (!System.IO.Directory.Exists(operators)) return;
        foreach (var old in System.IO.Directory.EnumerateFiles(operators, "*" + SigningKeys.KeyFileExtension,
                     SearchOption.AllDirectories))
            if (!OperatorKey.TryParseConsumerKeyFile(Path.GetFileNameWithoutExtension(old), out _, out _))
                File.Delete(old);
    }

    /// <summary>Every pair's keys, generated first where missing.</summary>
    public static SigningKeys Keys => Loaded.Value;

    /// <summary>The setting a child process reads them by.</summary>
    public static KeyValuePair<string, string?> Setting
    {
        get
        {
            _ = Keys;
            return new(SigningKeys.DirectoryVariable, Directory);
        }
    }
}
