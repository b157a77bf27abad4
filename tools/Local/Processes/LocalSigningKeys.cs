using ContestPipeline.Contracts.Authentication;
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
        "ann", "bob", "cy", "cat", "admin", "approver", "viewer", "root", "vic", "operator", "test-operator", "test-admin",
        "demo-operator", "staging-operator",
    ];

    /// <summary>Who signs an operator's message that names nobody (a contest definition from the harness).</summary>
    public const string DefaultOperator = "ann";

    /// <summary>
    /// Each local operator's own key, generated once into <see cref="OperatorKeys.LocalDirectoryDefault"/> (where
    /// cpctl finds it by <c>--operator</c> in development and test), and the key it gives every service that
    /// verifies operators' decisions, written into the pair keys' folder (rewritten each time: derived, so the same).
    /// </summary>
    private static void IssueOperatorKeys()
    {
        foreach (var name in Operators) Issue(name);
    }

    private static OperatorKey Issue(string name)
    {
        System.IO.Directory.CreateDirectory(OperatorKeys.LocalDirectoryDefault);
        var file = OperatorKeys.LocalFile(name);
        if (!File.Exists(file))
        {
            // Written aside, then moved into place: when several processes race, the first key stays.
            var aside = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}";
            OperatorKey.Generate(name, SigningKeys.LocalKeyId).WriteTo(aside);
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

    /// <summary>
    /// A local operator's own key (generated first where missing; the services started from then on verify it).
    /// </summary>
    public static OperatorKey Operator(string name)
    {
        _ = Keys;
        return Issue(name);
    }

    public static string Directory =>
        Environment.GetEnvironmentVariable(SigningKeys.DirectoryVariable) is { Length: > 0 } set ? set : SigningKeys.LocalDirectoryDefault;

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
