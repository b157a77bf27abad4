using System.Reflection;
using System.Text.RegularExpressions;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using Mono.Cecil;
using NetArchTest.Rules;
using Npgsql;

namespace ContestPipeline.Tests.Architecture;

/// <summary>
/// The layout's rules, checked on the project files, the sources and the built assemblies
/// rather than left to goodwill: what ships reaches no tooling; the contracts do no I/O; a
/// Handlers/ folder holds handlers and a Jobs/ folder jobs; SQL lives in Store/ (and Migrations/).
/// Folders are namespaces (checked first), so a rule about a namespace is a rule about a folder.
/// </summary>
public sealed partial class LayoutTests
{
    [Fact]
    public void The_production_projects_are_found()
    {
        // A rule that finds nothing to check passes for the wrong reason.
        Assert.Contains(Codebase.Production, p => p.AssemblyName == "ContestPipeline.Contracts");
        Assert.Contains(Codebase.Tooling, p => p.AssemblyName == "cpdev");
        Assert.Contains(Codebase.Tooling, p => p.AssemblyName == "ContestPipeline.StripeEmulator");
        Assert.Equal(6, Codebase.Workers.Count);
    }

    [Fact]
    public void No_production_project_reaches_tooling_even_through_another_project()
    {
        var tooling = Codebase.Tooling.Select(p => p.File).ToHashSet();
        var reaching = Codebase.Production
            .SelectMany(p => Codebase.Reached(p).Where(r => tooling.Contains(r.File)).Select(r => $"{p.RelativeDirectory} reaches {r.RelativeDirectory}"))
            .ToList();
        Assert.True(reaching.Count == 0, string.Join("\n", reaching));

        // The same on what was built: no production assembly loads a tooling assembly, however indirectly.
        var toolingNames = Codebase.Tooling.Select(p => p.AssemblyName).ToHashSet();
        var loading = Codebase.ProductionAssemblies
            .SelectMany(a => ReferencedClosure(a).Where(toolingNames.Contains).Select(t => $"{a.GetName().Name} loads {t}"))
            .ToList();
        Assert.True(loading.Count == 0, string.Join("\n", loading));
    }

    /// <summary>
    /// One naming scheme for every state machine: its states an enum named <c>XState</c>, its transition
    /// table a static <c>XLifecycle</c> class, so a reader finds each machine by name in any worker.
    /// </summary>
    [Fact]
    public void Every_transition_table_is_an_XLifecycle_of_XState()
    {
        var tables = Codebase.ProductionAssemblies.SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Static)
                .Where(p => p.PropertyType.IsGenericType
                    && p.PropertyType.GetGenericTypeDefinition() == typeof(global::ContestPipeline.Plumbing.TransitionTable<>))
                .Select(p => (Holder: t, States: p.PropertyType.GetGenericArguments()[0]))).ToList();
        Assert.True(tables.Count >= 6, $"only {tables.Count} transition tables found");
        var misnamed = tables.Where(x => !x.Holder.Name.EndsWith("Lifecycle", StringComparison.Ordinal)
                || !x.States.IsEnum || !x.States.Name.EndsWith("State", StringComparison.Ordinal))
            .Select(x => $"{x.Holder.FullName} holds a table of {x.States.FullName}").ToList();
        Assert.True(misnamed.Count == 0, "not XLifecycle of XState:\n" + string.Join("\n", misnamed));
    }

    [Fact]
    public void The_contracts_do_no_io()
    {
        var contracts = typeof(ContestPipeline.Contracts.IMessage).Assembly;
        var result = Types.InAssembly(contracts).ShouldNot().HaveDependencyOnAny(
                "System.IO.File", "System.IO.Directory", "System.IO.FileStream", "System.IO.Pipes", "System.Net", "System.Data",
                "System.Diagnostics.Process", "Npgsql", "Dapper", "Confluent.Kafka", "Microsoft.Extensions", "System.Console")
            .GetResult();
        Assert.True(result.IsSuccessful, "types of src/Contracts doing I/O: " + string.Join(", ", result.FailingTypeNames ?? []));
        var references = contracts.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n is not ("System.Runtime" or "netstandard")
            && !n.StartsWith("System.", StringComparison.Ordinal)).ToList();
        Assert.True(references.Count == 0, "src/Contracts references " + string.Join(", ", references));
    }

    [Fact]
    public void Every_type_in_a_Handlers_folder_is_a_message_handler()
    {
        var strays = Codebase.ProductionAssemblies.SelectMany(w => Strays(w, ".Handlers", typeof(IMessageHandler))).ToList();
        Assert.True(strays.Count == 0, "in Handlers/ but not a message handler: " + string.Join(", ", strays));
    }

    [Fact]
    public void Every_type_in_a_Jobs_folder_is_a_job()
    {
        var strays = Codebase.ProductionAssemblies.SelectMany(w => Strays(w, ".Jobs", typeof(IJob))).ToList();
        Assert.True(strays.Count == 0, "in Jobs/ but not a job: " + string.Join(", ", strays));
    }

    /// <summary>
    /// Every production source file's namespace is its project's root namespace and its folder
    /// path, so what the rules below say about a namespace holds for the folder a reader sees.
    /// </summary>
    [Fact]
    public void Every_namespace_is_its_folder()
    {
        var misplaced = new List<string>();
        foreach (var project in Codebase.Production)
        foreach (var file in Directory.EnumerateFiles(project.Directory, "*.cs", SearchOption.AllDirectories))
        {
            var folder = Path.GetRelativePath(project.Directory, Path.GetDirectoryName(file)!);
            if (folder.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            var expected = folder == "." ? project.RootNamespace : project.RootNamespace + "." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (declared.Success && declared.Groups[1].Value != expected)
                misplaced.Add($"{Path.GetRelativePath(Local.Processes.RepoPaths.Root, file)} declares {declared.Groups[1].Value}, its folder is {expected}");
        }
        Assert.True(misplaced.Count == 0, string.Join("\n", misplaced));
    }

    /// <summary>
    /// SQL, as text or as a call that runs it, only in a type named <c>*Store</c> or a Store or Migrations
    /// namespace of every production assembly, the messaging core's (src/Plumbing) included: its outbox,
    /// inbox, relay, migrations and canary each have their store.
    /// </summary>
    [Fact]
    public void SQL_is_only_in_Store_and_Migrations()
    {
        var outside = Codebase.ProductionAssemblies
            .SelectMany(a => SqlFinder.In(a.Location))
            .Where(u => !IsStore(u))
            .Select(u => u.ToString()).Distinct().ToList();
        Assert.True(outside.Count == 0, $"SQL outside Store/ and Migrations/ ({outside.Count}):\n" + string.Join("\n", outside));
    }

    [Fact]
    public void The_SQL_finder_finds_SQL_text_and_the_calls_that_run_it()
    {
        var found = SqlFinder.In(typeof(Samples.HandlerWithSql).Assembly.Location)
            .Where(u => u.Namespace == typeof(Samples.HandlerWithSql).Namespace).ToList();
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.CountAsync) && u.What.StartsWith("SQL text 'SELECT count(*) FROM", StringComparison.Ordinal));
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.CountAsync) && u.What == "calls SqlMapper.ExecuteScalarAsync");
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.Touch) && u.What.StartsWith("SQL text 'UPDATE ", StringComparison.Ordinal));
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.Command) && u.What == "calls NpgsqlCommand..ctor");
        Assert.DoesNotContain(found, u => u.Method == nameof(Samples.HandlerWithSql.Reason));
        Assert.False(SqlFinder.LooksLikeSql("the selected contest is updated from the feed"));
    }

    /// <summary>A type named <c>*Store</c> wherever it stands, or anything in a Store or Migrations namespace.</summary>
    private static bool IsStore(SqlUse use) =>
        use.Type.Split('.')[^1].EndsWith("Store", StringComparison.Ordinal)
        || use.Namespace.Split('.').Any(part => part is "Store" or "Migrations");

    /// <summary>Top-level types written in <paramref name="suffix"/> namespaces of <paramref name="worker"/> that are not <paramref name="kind"/>.</summary>
    private static IEnumerable<string> Strays(Assembly worker, string suffix, Type kind)
    {
        var result = Types.InAssembly(worker).That().ResideInNamespaceEndingWith(suffix).And().AreNotNested()
            .And().DoNotHaveNameStartingWith("<")
            .Should().MeetCustomRule(new AssignableTo(worker, kind)).GetResult();
        return result.FailingTypeNames ?? [];
    }

    /// <summary>Assembly names <paramref name="assembly"/> references, directly or through the pipeline's own assemblies.</summary>
    private static HashSet<string> ReferencedClosure(Assembly assembly)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<AssemblyName>(assembly.GetReferencedAssemblies());
        while (queue.TryDequeue(out var name))
        {
            if (!seen.Add(name.Name!) || !(name.Name!.StartsWith("ContestPipeline.", StringComparison.Ordinal) || name.Name is "cpctl" or "cpdev")) continue;
            foreach (var next in Assembly.Load(name).GetReferencedAssemblies()) queue.Enqueue(next);
        }
        return seen;
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    /// <summary>A NetArchTest rule: the type, loaded from its assembly, is a <paramref name="kind"/>.</summary>
    private sealed class AssignableTo(Assembly assembly, Type kind) : ICustomRule
    {
        public bool MeetsRule(TypeDefinition type) =>
            assembly.GetType(type.FullName.Replace('/', '+')) is { } loaded && kind.IsAssignableFrom(loaded);
    }
}
