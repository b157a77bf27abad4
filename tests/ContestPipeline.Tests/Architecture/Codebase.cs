using System.Reflection;
using System.Xml.Linq;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Architecture;

/// <summary>One project of the solution, as its project file says.</summary>
public sealed record Project(string File, string AssemblyName, string RootNamespace, IReadOnlyList<string> References)
{
    public string Directory => Path.GetDirectoryName(File)!;

    public string RelativeDirectory => Path.GetRelativePath(RepoPaths.Root, Directory).Replace('\\', '/');

    public static Project Read(string file)
    {
        var xml = XDocument.Load(file);
        var name = Path.GetFileNameWithoutExtension(file);
        string? Property(string property) =>
            xml.Descendants(property).Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);
        var references = xml.Descendants("ProjectReference")
            .Select(r => Path.GetFullPath(
                Path.Combine(Path.GetDirectoryName(file)!, r.Attribute("Include")!.Value.Replace('\\', '/'))))
            .ToList();
        return new Project(Path.GetFullPath(file), Property("AssemblyName") ?? name, Property("RootNamespace") ?? name,
            references);
    }
}

/// <summary>
/// The solution as the architecture tests see it: what ships is every project under
/// <c>src/</c>; everything else but the tests (the development tool, the Stripe-compatible
/// server) is tooling. Found from the project files, so a project added anywhere is covered.
/// </summary>
public static class Codebase
{
    public static IReadOnlyList<Project> Projects { get; } =
        [.. System.IO.Directory.EnumerateFiles(RepoPaths.Root, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules"))
            .Select(Project.Read)];

    public static IReadOnlyList<Project> Production { get; } =
        [.. Projects.Where(p => p.RelativeDirectory.StartsWith("src/", StringComparison.Ordinal))];

    public static IReadOnlyList<Project> Tooling { get; } =
        [.. Projects.Where(p => !p.RelativeDirectory.StartsWith("src/", StringComparison.Ordinal)
            && !p.RelativeDirectory.StartsWith("tests/", StringComparison.Ordinal))];

    /// <summary>The built assembly of a production project (the tests reference every one).</summary>
    public static Assembly Load(Project project) => Assembly.Load(new AssemblyName(project.AssemblyName));

    /// <summary>
    /// Where a tooling project's assembly was built, in the configuration the tests were built with: read from
    /// the file, not loaded, because the tests do not reference every tool (the messaging benchmark's peers are
    /// referenced by nothing) and the solution's build builds every one.
    /// </summary>
    public static string BuiltPath(Project project) =>
        Path.Combine(project.Directory, "bin", RepoPaths.Configuration, "net10.0", project.AssemblyName + ".dll");

    public static IReadOnlyList<Assembly> ProductionAssemblies { get; } = [.. Production.Select(Load)];

    /// <summary>The workers: the processes of one shape (handlers, jobs, domain, store, migrations).</summary>
    public static IReadOnlyList<Assembly> Workers { get; } =
        [.. global::ContestPipeline.Deployment.Workers.All.Keys.Select(w => ProductionAssemblies.Single(a =>
            a.GetName().Name == "ContestPipeline." + char.ToUpperInvariant(w[0]) + w[1..]))];

    /// <summary>Every project <paramref name="project"/> reaches through project references, itself excluded.</summary>
    public static IReadOnlyList<Project> Reached(Project project)
    {
        var byFile = Projects.ToDictionary(p => p.File);
        var seen = new HashSet<string>();
        var queue = new Queue<string>(project.References);
        while (queue.Count > 0)
        {
            var file = queue.Dequeue();
            if (!seen.Add(file) || !byFile.TryGetValue(file, out var reached)) continue;
            foreach (var next in reached.References) queue.Enqueue(next);
        }
        return [.. seen.Where(byFile.ContainsKey).Select(f => byFile[f])];
    }
}
