namespace ContestPipeline.OperationsConsole.SignIn;

/// <summary>Where the console may send an operator after signing in: a path of its own, never another site.</summary>
public static class LocalPath
{
    /// <summary>
    /// True for "/" and "/x..." only: not "//host" or "/\host" (browsers read both as another
    /// site), no backslash or control character anywhere, nothing with a scheme.
    /// </summary>
    public static bool IsLocal(string? path) =>
        !string.IsNullOrEmpty(path) && path[0] == '/' && (path.Length == 1 || path[1] is not ('/' or '\\'))
        && !path.Contains('\\', StringComparison.Ordinal) && !path.Any(char.IsControl)
        && !path.Contains("://", StringComparison.Ordinal);
}
