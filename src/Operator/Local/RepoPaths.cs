namespace ContestPipeline.Operator.Local;

/// <summary>Where the built pipeline assemblies are, relative to this tool's own build output.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the workers are run from the same configuration as this tool.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string CpctlDll => typeof(RepoPaths).Assembly.Location;

    public static string WorkerDll(string worker)
    {
        var project = char.ToUpperInvariant(worker[0]) + worker[1..];
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", $"ContestPipeline.{project}.dll");
        if (!File.Exists(path))
            throw new FileNotFoundException($"worker {worker} is not built at {path}: run `dotnet build -c {Configuration}` first", path);
        return path;
    }

    /// <summary>Logs and state of local runs, under the clone (ignored by git).</summary>
    public static string RunDirectory => Path.Combine(Root, ".run");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContestPipeline.sln"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
