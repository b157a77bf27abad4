namespace ContestPipeline.Local.Processes;

/// <summary>Where the built pipeline assemblies are, relative to this tool's own build output.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the workers are run from the same configuration as this tool.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>
    /// The operator tool: beside the running program (cpctl itself, or the tests, which are
    /// built with it), else in its own build output.
    /// </summary>
    public static string CpctlDll
    {
        get
        {
            var beside = Path.Combine(AppContext.BaseDirectory, "cpctl.dll");
            if (File.Exists(beside)) return beside;
            var built = Path.Combine(Root, "src", "Operator", "bin", Configuration, "net10.0", "cpctl.dll");
            return File.Exists(built) ? built : throw new FileNotFoundException($"cpctl is not built at {built}: run `dotnet build -c {Configuration}` first", built);
        }
    }

    public static string WorkerDll(string worker)
    {
        var project = char.ToUpperInvariant(worker[0]) + worker[1..];
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", $"ContestPipeline.{project}.dll");
        if (!File.Exists(path))
            throw new FileNotFoundException($"worker {worker} is not built at {path}: run `dotnet build -c {Configuration}` first", path);
        return path;
    }

    /// <summary>The operations console's assembly (src/Console), built with the same configuration.</summary>
    public static string ConsoleDll
    {
        get
        {
            var path = Path.Combine(Root, "src", "Console", "bin", Configuration, "net10.0", "ContestPipeline.Console.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the console is not built at {path}: run `dotnet build -c {Configuration}` first", path);
        }
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
