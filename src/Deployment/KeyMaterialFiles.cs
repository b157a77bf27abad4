using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Plumbing;

namespace ContestPipeline.Deployment;

/// <summary>
/// Lays out a service's signing-keys folder (the one compose mounts at <see cref="KeyMaterial.MountPath"/>)
/// from a folder holding every pair's keys: a copy of each pair's folder (<c>&lt;producer&gt;/&lt;consumer&gt;</c>) its
/// material names, and nothing else; and, for a service that verifies operators' decisions, the key each
/// operator's key gives that service (<c>operators/&lt;operator&gt;/&lt;service&gt;</c>), never another service's.
/// Local runs give each process its own folder made this way; an operator makes
/// deploy/secrets/signing-keys/&lt;service&gt; with <c>cpctl compose keys</c>.
/// </summary>
public static class KeyMaterialFiles
{
    public static void Write(KeyMaterial keys, string source, string target)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Create(target);
        foreach (var (producer, consumer) in keys.Pairs)
        {
            var from = Path.Combine(source, producer, consumer);
            if (!Directory.Exists(from))
                throw new StartupException(
                    $"{SigningKeys.DirectoryVariable}: no keys for the pair {producer} -> {consumer} in {source} " +
                    $"(expected {from})");
            Create(Path.Combine(target, producer));
            var to = Path.Combine(target, producer, consumer);
            Create(to);
            CopyKeys(from, to);
        }
        // Every consuming service checks operators' keys: on their decisions, or on a re-drive grant.
        if (keys.Consumer is { } self) WriteOperatorKeys(self, source, target);
    }

    /// <summary>The keys every operator's key gives <paramref name="consumer"/>, and no other service's.</summary>
    private static void WriteOperatorKeys(string consumer, string source, string target)
    {
        var operators = Path.Combine(source, OperatorKey.ConsumerKeysFolder);
        if (!Directory.Exists(operators)) return;
        foreach (var folder in Directory.EnumerateDirectories(operators).Order(StringComparer.Ordinal))
        {
            var from = Path.Combine(folder, consumer);
            if (!Directory.Exists(from)) continue;
            var to = Path.Combine(target, OperatorKey.ConsumerKeysFolder, Path.GetFileName(folder), consumer);
            Create(Path.Combine(target, OperatorKey.ConsumerKeysFolder));
            Create(Path.GetDirectoryName(to)!);
            Create(to);
            CopyKeys(from, to);
        }
    }

    private static void CopyKeys(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from).Where(IsKeyFile))
        {
            var copy = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, copy);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(copy,
                UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Every service's folder under <paramref name="target"/>, one per service with key material.</summary>
    public static IReadOnlyList<string> WriteAll(string source, string target) =>
        [.. Services.All.Where(s => s.Keys is not null).Select(s =>
        {
            Write(s.Keys!, source, Path.Combine(target, s.Name));
            return s.Name;
        })];

    private static bool IsKeyFile(string path) =>
        path.EndsWith(SigningKeys.KeyFileExtension, StringComparison.Ordinal)
            || Path.GetFileName(path) == SigningKeys.SigningKeyFile;

    private static void Create(string directory)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
