using System.Text.RegularExpressions;
using ContestPipeline.Local.Processes;
using ContestPipeline.StripeEmulation;
using Mono.Cecil;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>
/// The emulator keeps src/'s rules (a test server is read as often as the product): one type per file, named after
/// it; no method longer than 70 lines with its braces; no line wider than 120 columns.
/// </summary>
public sealed partial class StripeEmulatorLayoutTests
{
    private const int StatementLinesMax = 68;
    private const int ColumnsMax = 120;

    private static readonly string Folder = Path.Combine(RepoPaths.Root, "tools", "StripeEmulator");

    [Fact]
    public void Every_file_of_the_emulator_declares_the_type_it_is_named_after()
    {
        var strays = Sources().Where(f => !Declares(File.ReadAllText(f), Path.GetFileNameWithoutExtension(f)))
            .Select(Path.GetFileName).ToList();

        Assert.True(strays.Count == 0, "files not named after their type: " + string.Join(", ", strays));
        Assert.Contains(Sources(), f => f.EndsWith("EmulatorState.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void No_line_of_the_emulator_is_wider_than_120_columns()
    {
        var wide = Sources().SelectMany(f => File.ReadAllLines(f).Select((line, i) => (f, line, i))
            .Where(x => x.line.Length > ColumnsMax).Select(x => $"{Path.GetFileName(x.f)}:{x.i + 1}")).ToList();

        Assert.True(wide.Count == 0, "lines over 120 columns: " + string.Join(", ", wide));
    }

    [Fact]
    public void No_method_of_the_emulator_is_longer_than_70_lines()
    {
        using var module = ModuleDefinition.ReadModule(typeof(StripeEmulator).Assembly.Location,
            new ReaderParameters { ReadSymbols = true });
        var measured = module.GetTypes().SelectMany(t => t.Methods)
            .Where(m => m.HasBody && !m.IsConstructor && m.DebugInformation.HasSequencePoints)
            .Select(m => (m.FullName, Points: m.DebugInformation.SequencePoints
                // A lone brace's point is left out, as the product's measure leaves it out.
                .Where(p => !p.IsHidden && !(p.StartLine == p.EndLine && p.EndColumn - p.StartColumn == 1)).ToList()))
            .Where(m => m.Points.Count > 0)
            .Select(m => (m.FullName, Lines: m.Points.Max(p => p.EndLine) - m.Points.Min(p => p.StartLine) + 1))
            .ToList();

        Assert.NotEmpty(measured);
        var tooLong = measured.Where(m => m.Lines > StatementLinesMax).Select(m => $"{m.FullName} ({m.Lines + 2})");
        Assert.Empty(tooLong);
    }

    private static IEnumerable<string> Sources() =>
        Directory.EnumerateFiles(Folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetRelativePath(Folder, f).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"));

    private static bool Declares(string source, string name) =>
        TypeDeclaration().Matches(source).Any(m => m.Groups[1].Value == name);

    [GeneratedRegex(@"^(?:public|internal)\s+(?:static\s+|sealed\s+|abstract\s+|readonly\s+|partial\s+)*" +
        @"(?:class|record(?:\s+struct)?|struct|enum|interface)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();
}
