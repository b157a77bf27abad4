using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Local.Processes;

/// <summary>
/// The message-signing keys of a local run: every producer's, in
/// <see cref="SigningKeys.DirectoryVariable"/> (which <c>./run</c> sets) or the local default,
/// generated there once if missing. The demo, the campaign, the benchmarks and the tests pass
/// the directory to every process they start and sign as the outside producers (operators,
/// the entry API) with them.
/// </summary>
public static class LocalSigningKeys
{
    private static readonly Lazy<SigningKeys> Loaded = new(() =>
    {
        SigningKeys.CreateMissing(Directory, Producers.All);
        return SigningKeys.Load(Directory);
    });

    public static string Directory =>
        Environment.GetEnvironmentVariable(SigningKeys.DirectoryVariable) is { Length: > 0 } set ? set : SigningKeys.LocalDirectoryDefault;

    /// <summary>Every producer's keys, generated first where missing.</summary>
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
