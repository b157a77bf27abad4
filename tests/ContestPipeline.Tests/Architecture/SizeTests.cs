using ContestPipeline.Local.Processes;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace ContestPipeline.Tests.Architecture;

/// <summary>
/// Sizes a reader can hold in their head: no method in <c>src/</c>, <c>tools/</c> or <c>tests/</c> longer than
/// 70 lines with its braces (<see cref="StatementLinesMax"/> from its first statement to its last), measured in the
/// production assemblies, the tools' (cpdev, the Stripe-compatible server, the messaging benchmark's peers) and this
/// test assembly; and no line in those folders wider than <see cref="ColumnsMax"/> columns (sources a tool
/// generated, in a <c>Generated/</c> folder, are not written by hand and are left out). A method's length is read
/// from its compiled debug information (first to last line its body's sequence points cover, lambdas inside it
/// included), so an async method or an iterator is measured as written, not as the compiler rewrote it. The points
/// of a lone brace are left out: a Debug build marks them and a Release build does not, and the measure must be the
/// same in both.
/// Constructors are left out (their debug lines are the type's initializers, wherever they stand), and so are
/// generated sources.
/// </summary>
public sealed class SizeTests
{
    /// <summary>70 lines with the opening and closing brace.</summary>
    public const int StatementLinesMax = 68;
    public const int ColumnsMax = 120;

    [Fact]
    public void No_method_in_src_tools_or_tests_is_longer_than_70_lines()
    {
        var assemblies = Codebase.Production.Select(p => Codebase.Load(p).Location)
            .Concat(Codebase.Tooling.Select(Codebase.BuiltPath))
            .Append(typeof(SizeTests).Assembly.Location);
        var tooLong = assemblies.SelectMany(MethodLengths)
            .Where(m => m.Lines > StatementLinesMax)
            .Select(m => $"{m.Method} ({m.File}:{m.FirstLine}) is {m.Lines + 2} lines with its braces")
            .ToList();
        Assert.True(tooLong.Count == 0,
            $"methods over {StatementLinesMax + 2} lines: split them into named steps\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void The_method_measure_sees_a_long_method()
    {
        // This test's own assembly holds a method of known length (below), in whichever build runs the tests: the
        // measure must find its nine lines of statements, its braces left out.
        var measured = MethodLengths(typeof(SizeTests).Assembly.Location)
            .Single(m => m.Method.EndsWith("::AMethodOfElevenLines", StringComparison.Ordinal));
        Assert.Equal(9, measured.Lines);
    }

    [Fact]
    public void No_line_in_src_tools_or_tests_is_wider_than_120_columns()
    {
        var wide = WideLines().SelectMany(f => f.Wide.Select(line => $"{f.File}:{line}")).ToList();
        Assert.True(wide.Count == 0, $"lines over {ColumnsMax} columns: wrap them\n" + string.Join("\n", wide));
    }

    private static IEnumerable<(string File, List<int> Wide)> WideLines()
    {
        var paths = new[] { "src", "tools", "tests" }.SelectMany(folder => Directory.EnumerateFiles(
            Path.Combine(RepoPaths.Root, folder), "*.cs", SearchOption.AllDirectories));
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/');
            if (new[] { "/bin/", "/obj/", "/Generated/" }.Any(d => relative.Contains(d, StringComparison.Ordinal)))
                continue;
            var wide = File.ReadAllLines(path).Select((line, i) => (line, i)).Where(x => x.line.Length > ColumnsMax)
                .Select(x => x.i + 1).ToList();
            if (wide.Count > 0) yield return (relative, wide);
        }
    }

    private sealed record MethodLength(string Method, string File, int FirstLine, int Lines);

    private static IEnumerable<MethodLength> MethodLengths(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath, new ReaderParameters { ReadSymbols = true });
        var found = new List<MethodLength>();
        foreach (var type in module.GetTypes())
        {
            // A constructor's debug lines are every field and property initializer of its type, wherever they
            // stand: its span is the type's, not a method's.
            foreach (var method in type.Methods.Where(m =>
                         m.HasBody && m.DebugInformation.HasSequencePoints && !m.IsConstructor))
            {
                var points = method.DebugInformation.SequencePoints.Where(p => !p.IsHidden && !LoneBrace(p)).ToList();
                if (points.Count == 0) continue;
                // Generated sources (the regex generator's, say) are not in the repository.
                var source = points[0].Document.Url.Replace('\\', '/');
                if (!source.StartsWith(RepoPaths.Root, StringComparison.Ordinal)
                    || source.Contains("/obj/", StringComparison.Ordinal))
                    continue;
                var first = points.Min(p => p.StartLine);
                var last = points.Max(p => p.EndLine);
                var name = Readable(method);
                found.Add(new MethodLength(name, Path.GetFileName(points[0].Document.Url), first, last - first + 1));
            }
        }
        return found;
    }

    /// <summary>The point of a <c>{</c> or <c>}</c> alone: one column of one line.</summary>
    private static bool LoneBrace(SequencePoint p) => p.StartLine == p.EndLine && p.EndColumn - p.StartColumn == 1;

    /// <summary>An async method or iterator by the name it was written with, not its state machine's.</summary>
    private static string Readable(MethodDefinition method)
    {
        var type = method.DeclaringType;
        if (method.Name == "MoveNext" && type.Name.StartsWith('<') && type.DeclaringType is { } outer)
            return $"{outer.FullName}::{type.Name[1..type.Name.IndexOf('>', StringComparison.Ordinal)]}";
        return $"{type.FullName}::{method.Name}";
    }

#pragma warning disable IDE0051, CA1822 // measured by The_method_measure_sees_a_long_method
    private int AMethodOfElevenLines(int x)
    {
        var a = x + 1;
        var b = a * 2;
        var c = b - 3;
        var d = c / 4;
        var e = d % 5;
        var f = e + 6;
        var g = f * 7;
        var h = g - 8;
        return h;
    }
#pragma warning restore IDE0051, CA1822
}
