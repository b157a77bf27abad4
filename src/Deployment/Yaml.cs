using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ContestPipeline.Deployment;

/// <summary>
/// The little YAML the compose file needs, written deterministically: block maps with comments,
/// flow lists of scalars, and every string double-quoted (JSON's escaping is valid YAML), so no
/// value is ever read back as a number, a boolean or null.
/// </summary>
public abstract record Yaml
{
    public sealed record Scalar(string Text) : Yaml;

    /// <summary>A number or boolean written bare.</summary>
    public sealed record Bare(string Text) : Yaml;

    public sealed record List(IReadOnlyList<Yaml> Items) : Yaml;

    public sealed record Map(IReadOnlyList<Entry> Entries) : Yaml;

    /// <summary>One key of a map, with comment lines written above it.</summary>
    public sealed record Entry(string Key, Yaml Value, IReadOnlyList<string>? Comment = null);

    public static implicit operator Yaml(string text) => new Scalar(text);

    public static implicit operator Yaml(int value) =>
        new Bare(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static List Of(params string[] items) => new([.. items.Select(i => (Yaml)i)]);

    private static readonly JsonSerializerOptions Quoting = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Quote(string text) => JsonSerializer.Serialize(text, Quoting);

    /// <summary>The document: a map at the top level.</summary>
    public static string Write(Map document)
    {
        var text = new StringBuilder();
        WriteMap(text, document, 0);
        return text.ToString();
    }

    private static void WriteMap(StringBuilder text, Map map, int indent)
    {
        var pad = new string(' ', indent);
        foreach (var entry in map.Entries)
        {
            foreach (var line in entry.Comment ?? []) text.Append(pad).Append(line.Length == 0 ? "#" : "# " + line)
                .Append('\n');
            text.Append(pad).Append(Key(entry.Key)).Append(':');
            switch (entry.Value)
            {
                case Map { Entries.Count: 0 }:
                    text.Append(" {}\n");
                    break;
                case Map inner:
                    text.Append('\n');
                    WriteMap(text, inner, indent + 2);
                    break;
                default:
                    text.Append(' ').Append(Inline(entry.Value)).Append('\n');
                    break;
            }
        }
    }

    private static string Inline(Yaml value) => value switch
    {
        Scalar s => Quote(s.Text),
        Bare b => b.Text,
        List l => "[" + string.Join(", ", l.Items.Select(Inline)) + "]",
        Map m => "{ " + string.Join(", ", m.Entries.Select(e => Key(e.Key) + ": " + Inline(e.Value))) + " }",
        _ => throw new InvalidOperationException("unknown YAML node"),
    };

    /// <summary>Keys are plain when they are simple names, quoted otherwise.</summary>
    private static string Key(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? key : Quote(key);
}
