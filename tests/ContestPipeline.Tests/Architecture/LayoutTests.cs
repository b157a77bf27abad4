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
/// name says what a type is (<c>*Handler</c>, <c>*Job</c>, <c>*Store</c>) wherever it stands.
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
            .SelectMany(p => Codebase.Reached(p).Where(r => tooling.Contains(r.File))
                .Select(r => $"{p.RelativeDirectory} reaches {r.RelativeDirectory}"))
            .ToList();
        Assert.True(reaching.Count == 0, string.Join("\n", reaching));

        // The same on what was built: no production assembly loads a tooling assembly, however indirectly.
        var toolingNames = Codebase.Tooling.Select(p => p.AssemblyName).ToHashSet();
        var loading = Codebase.ProductionAssemblies
            .SelectMany(a => ReferencedClosure(a).Where(toolingNames.Contains)
                .Select(t => $"{a.GetName().Name} loads {t}"))
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
                    && p.PropertyType.GetGenericTypeDefinition()
                        == typeof(global::ContestPipeline.Plumbing.TransitionTable<>))
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
                "System.IO.File", "System.IO.Directory", "System.IO.FileStream", "System.IO.Pipes", "System.Net",
                "System.Data", "System.Diagnostics.Process", "Npgsql", "Dapper", "Confluent.Kafka",
                "Microsoft.Extensions", "System.Console")
            .GetResult();
        Assert.True(result.IsSuccessful, "types of src/Contracts doing I/O: " +
            string.Join(", ", result.FailingTypeNames ?? []));
        var references = contracts.GetReferencedAssemblies().Select(r => r.Name!)
            .Where(n => n is not ("System.Runtime" or "netstandard")
            && !n.StartsWith("System.", StringComparison.Ordinal)).ToList();
        Assert.True(references.Count == 0, "src/Contracts references " + string.Join(", ", references));
    }

    /// <summary>
    /// The rules are by name, wherever a type stands: a <c>*Handler</c> is a message handler and every
    /// message handler is named so; a <c>*Job</c> is a job and every job is named so.
    /// </summary>
    [Theory]
    [InlineData("Handler", typeof(IMessageHandler))]
    [InlineData("Job", typeof(IJob))]
    public void A_name_says_what_a_type_is(string suffix, Type kind)
    {
        // An HTTP client's DelegatingHandler keeps .NET's own name for it.
        var types = Codebase.ProductionAssemblies.SelectMany(a => a.GetTypes())
            .Where(t => !t.IsNested && !t.Name.StartsWith('<') && !t.IsInterface
                && !typeof(HttpMessageHandler).IsAssignableFrom(t)).ToList();
        var named = types.Where(t => NameOf(t).EndsWith(suffix, StringComparison.Ordinal)).ToList();
        Assert.True(named.Count >= 10, $"only {named.Count} types named *{suffix}");
        var notOfKind = named.Where(t => !t.IsAbstract && !kind.IsAssignableFrom(t)).Select(t => t.FullName);
        var misnamed = types.Where(t => !t.IsAbstract && kind.IsAssignableFrom(t)
            && !NameOf(t).EndsWith(suffix, StringComparison.Ordinal)).Select(t => t.FullName);
        var wrong = notOfKind.Select(t => $"{t} is named *{suffix} but is no {kind.Name}")
            .Concat(misnamed.Select(t => $"{t} is a {kind.Name} not named *{suffix}")).ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>A type's name as written, without a generic type's arity.</summary>
    private static string NameOf(Type type) => type.Name.Split('`')[0];

    /// <summary>
    /// Every production source file declares a type of its own name, so a type is found by its
    /// name and a file's name says what it holds.
    /// </summary>
    [Fact]
    public void Every_file_declares_a_type_of_its_name()
    {
        var strays = new List<string>();
        foreach (var project in Codebase.Production)
        foreach (var file in Directory.EnumerateFiles(project.Directory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(project.Directory, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            var name = Path.GetFileNameWithoutExtension(file);
            if (name is "Program" || relative.Contains("Migrations", StringComparison.Ordinal)) continue;
            var declares = new Regex($@"\b(class|record|struct|interface|enum)\s+{Regex.Escape(name)}\b");
            if (!declares.IsMatch(File.ReadAllText(file)))
                strays.Add(Path.GetRelativePath(Local.Processes.RepoPaths.Root, file));
        }
        Assert.True(strays.Count == 0, "files declaring no type of their name:\n" + string.Join("\n", strays));
    }

    /// <summary>
    /// What ships never reads the local tools' state: the broker's state file is the development
    /// machine's business, and a deployable is told where Kafka is.
    /// </summary>
    [Fact]
    public void No_production_source_names_the_local_broker_state()
    {
        var naming = Codebase.Production
            .SelectMany(p => Directory.EnumerateFiles(p.Directory, "*.cs", SearchOption.AllDirectories))
            .Where(f =>
                !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text
                && (text.Contains("broker.json", StringComparison.Ordinal)
                    || text.Contains("BrokerState", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(Local.Processes.RepoPaths.Root, f)).ToList();
        Assert.True(naming.Count == 0, string.Join("\n", naming));
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
            var expected = folder == "." ? project.RootNamespace : project.RootNamespace + "." +
                folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (declared.Success && declared.Groups[1].Value != expected)
                misplaced.Add($"{Path.GetRelativePath(Local.Processes.RepoPaths.Root, file)} declares " +
                    $"{declared.Groups[1].Value}, its folder is {expected}");
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
        Assert.True(outside.Count == 0, $"SQL outside *Store types and Migrations/ ({outside.Count}):\n" +
            string.Join("\n", outside));
    }

    [Fact]
    public void The_SQL_finder_finds_SQL_text_and_the_calls_that_run_it()
    {
        var found = SqlFinder.In(typeof(Samples.HandlerWithSql).Assembly.Location)
            .Where(u => u.Namespace == typeof(Samples.HandlerWithSql).Namespace).ToList();
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.CountAsync)
            && u.What.StartsWith("SQL text 'SELECT count(*) FROM", StringComparison.Ordinal));
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.CountAsync)
            && u.What == "calls SqlMapper.ExecuteScalarAsync");
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.Touch)
            && u.What.StartsWith("SQL text 'UPDATE ", StringComparison.Ordinal));
        Assert.Contains(found, u => u.Method == nameof(Samples.HandlerWithSql.Command)
            && u.What == "calls NpgsqlCommand..ctor");
        Assert.DoesNotContain(found, u => u.Method == nameof(Samples.HandlerWithSql.Reason));
        Assert.False(SqlFinder.LooksLikeSql("the selected contest is updated from the feed"));
    }

    /// <summary>A type named <c>*Store</c> wherever it stands (its nested types too), or a Migrations namespace.
    /// </summary>
    private static bool IsStore(SqlUse use) =>
        use.Type.Split('.')[^1].Split('+')[0].EndsWith("Store", StringComparison.Ordinal)
        || use.Namespace.Split('.').Any(part => part is "Migrations");

    /// <summary>Assembly names <paramref name="assembly"/> references, directly or through the pipeline's own
    /// assemblies.</summary>
    private static HashSet<string> ReferencedClosure(Assembly assembly)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<AssemblyName>(assembly.GetReferencedAssemblies());
        while (queue.TryDequeue(out var name))
        {
            if (!seen.Add(name.Name!) || !(name.Name!.StartsWith("ContestPipeline.", StringComparison.Ordinal)
                || name.Name is "cpctl" or "cpdev")) continue;
            foreach (var next in Assembly.Load(name).GetReferencedAssemblies()) queue.Enqueue(next);
        }
        return seen;
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
