namespace ContestPipeline.Plumbing;

/// <summary>Where an operator tool finds the key of the operator it acts for.</summary>
public static class OperatorKeys
{
    /// <summary>
    /// Never in production: the folder of the local operators' keys (<c>&lt;name&gt;.operator-key</c>), which local
    /// runs give cpctl, since a child process does not see the development tool's cache setting.
    /// </summary>
    public const string LocalDirectoryVariable = "CONTESTPIPELINE_LOCAL_OPERATOR_KEYS_DIR";

    /// <summary>
    /// Never in production: the operator a local run (<c>./run cpctl</c>) acts as when neither a key nor
    /// <c>--operator</c> is given, whose key is found in the local operators' folder
    /// (<see cref="LocalDirectoryVariable"/>). A production run has no local key to find, so it still needs one given.
    /// </summary>
    public const string LocalOperatorVariable = "CONTESTPIPELINE_LOCAL_OPERATOR";

    /// <summary>
    /// The operator named by <see cref="LocalOperatorVariable"/>, where a local run names the local folder.
    /// </summary>
    public static string? LocalOperator() =>
        Environment.GetEnvironmentVariable(LocalDirectoryVariable) is { Length: > 0 }
        && Environment.GetEnvironmentVariable(LocalOperatorVariable) is { Length: > 0 } name
        && OperatorKey.IsName(name) ? name : null;

    /// <summary>Where local set-up keeps each local operator's key: in the local cache, outside the clone.</summary>
    public static string LocalDirectoryDefault =>
        Environment.GetEnvironmentVariable(LocalDirectoryVariable) is { Length: > 0 } set
            ? set : Path.Combine(PipelineSettings.LocalCacheDirectory, "operator-keys");

    public static string LocalFile(string @operator) =>
        Path.Combine(LocalDirectoryDefault, @operator + OperatorKey.FileExtension);

    /// <summary>
    /// The key named by <see cref="OperatorKey.FileVariable"/> (cpctl's <c>--operator-key</c> sets it; in
    /// production sealed under its operator's password, asked for or read from
    /// <see cref="OperatorKey.PasswordVariable"/>); failing
    /// that, never in production, the local key of <paramref name="claimed"/> (the name given with
    /// <c>--operator</c>): in development and test, or where a local run names the local operators' folder
    /// (<see cref="LocalDirectoryVariable"/>; local runs play staging). Otherwise an error saying how to get one.
    /// </summary>
    public static OperatorKey Resolve(DeploymentEnvironment environment, string? claimed)
    {
        if (Environment.GetEnvironmentVariable(OperatorKey.FileVariable) is { Length: > 0 } file)
        {
            // In production the file alone signs nothing: it opens with its operator's password (a second factor).
            return environment == DeploymentEnvironment.Production ? OperatorKey.ReadSealed(file)
                : OperatorKey.Read(file);
        }
        var local = environment is DeploymentEnvironment.Development or DeploymentEnvironment.Test
            || (environment != DeploymentEnvironment.Production
                && Environment.GetEnvironmentVariable(LocalDirectoryVariable) is { Length: > 0 });
        if (local && OperatorKey.IsName(claimed) && File.Exists(LocalFile(claimed)))
            return OperatorKey.Read(LocalFile(claimed));
        throw new StartupException(
            $"no operator key: give your own with --operator-key FILE or {OperatorKey.FileVariable} " +
            "(docs/operations.md, \"Operator keys\"); every operator's decision is signed with its operator's own key"
            + (environment == DeploymentEnvironment.Production ? ""
                : $" (local runs: --operator NAME signs with the local key {LocalFile("NAME")})"));
    }
}
