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
        return SigningKeys.Load(Directory);
    });

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
