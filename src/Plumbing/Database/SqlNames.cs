namespace ContestPipeline.Plumbing.Database;

/// <summary>The one check on names that are written into SQL text rather than passed as parameters.</summary>
public static class SqlNames
{
    /// <summary>Schema names are interpolated into SQL, so only plain lower-case identifiers pass.</summary>
    public static string Identifier(string name) => IsIdentifier(name) ? name
        : throw new ArgumentException($"'{name}' is not a plain lower-case SQL identifier", nameof(name));

    /// <summary>Whether <paramref name="name"/> passes <see cref="Identifier"/>.</summary>
    public static bool IsIdentifier(string name) =>
        name.Length is > 0 and <= 63 && name[0] is >= 'a' and <= 'z'
        && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_');
}
