using System.Text.Json;

namespace ContestPipeline.Local.Processes;

/// <summary>A small JSON file a local process writes for other local tools to find it by.</summary>
public static class StateFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// The state, or null when the file is absent or unreadable (its writer stopped, or is writing
    /// it).
    /// </summary>
    public static T? TryRead<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Written to a temporary file and renamed, so a reader never sees half of it.</summary>
    public static void Write<T>(string path, T state)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(state, Json));
        File.Move(tmp, path, overwrite: true);
    }
}
