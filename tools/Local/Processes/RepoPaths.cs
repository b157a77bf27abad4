using ContestPipeline.Deployment;

namespace ContestPipeline.Local.Processes;

/// <summary>Where the built pipeline assemblies are, relative to this tool's own build output.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the workers are run from the same configuration as this tool.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}")
            ? "Release" : "Debug";

    /// <summary>The operator's tool (src/Cpctl), built with the same configuration.</summary>
    public static string CpctlDll => Built("cpctl", Path.Combine("src", "Cpctl"), "cpctl.dll");

    /// <summary>
    /// The development tool (tools/Local): beside the running program (cpdev itself, or the
    /// tests, which are built with it), else in its own build output.
    /// </summary>
    public static string CpdevDll
    {
        get
        {
            var beside = Path.Combine(AppContext.BaseDirectory, "cpdev.dll");
            return File.Exists(beside) ? beside : Built("cpdev", Path.Combine("tools", "Local"), "cpdev.dll");
        }
    }

    /// <summary>The messaging benchmark's peers (tools/BenchPeers), built with the same configuration.</summary>
    public static string BenchPeersDll =>
        Built("the messaging benchmark's peers", Path.Combine("tools", "BenchPeers"), "ContestPipeline.BenchPeers.dll");

    /// <summary>A deployable of the production image (<see cref="Deployables"/>), from this clone's build output: what
    /// a local run starts instead of the image.</summary>
    public static string DeployableDll(string name)
    {
        var deployable = Deployables.Of(name);
        return Built(name, Path.Combine("src", deployable.Project), deployable.Assembly);
    }

    private static string Built(string what, string project, string assembly)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException(
            $"{what} is not built at {path}: run `dotnet build -c {Configuration}` first", path);
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
