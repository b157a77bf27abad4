using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The checked-in hostile inputs (<c>Scenarios/HostileCorpus/</c>): <c>manifest.json</c> names each case,
/// the edge it is sent to, its raw input file (or how it is generated) and the rejection it
/// must get. Inputs are templates: a JSON string that is exactly <c>"${name}"</c> becomes the
/// value's raw JSON (a number stays a number), and <c>${name}</c> inside other text becomes
/// the value's text. Everything else is sent byte for byte.
/// </summary>
public static partial class HostileCorpus
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Scenarios", "HostileCorpus");

    public sealed record Expectation(
        string? DeadLetter = null,
        string? Alert = null,
        string? AlertText = null,
        string? Omitted = null,
        string? Edge = null,
        int? Http = null,
        string? Text = null,
        bool? Forwarded = null,
        string? Recorded = null,
        string? EntryRejected = null,
        bool? Refund = null,
        bool Accepted = false,
        bool Dropped = false,
        bool NoEffect = false);

    public sealed record Payment(long Amount, string Currency, string Status, string Contest, string Player);

    public sealed record Tamper(string From, string To);

    public sealed record Case(
        string Name,
        string Edge,
        Expectation Expect,
        string? Input = null,
        string? Generate = null,
        string? Type = null,
        string? Key = null,
        string? Sequence = null,
        string? MessageId = null,
        string? SchemaVersion = null,
        Payment? Payment = null,
        string? Sign = null,
        Tamper? Tamper = null,
        string? Note = null)
    {
        public override string ToString() => Name;

        /// <summary>The input file's bytes, exactly as checked in.</summary>
        public byte[] Raw() => File.ReadAllBytes(
            Path.Combine(Directory, Input ?? throw new InvalidOperationException($"{Name} is generated: {Generate}")));
    }

    private sealed record Manifest(string About, List<Case> Cases);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<Case> Load()
    {
        var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(Directory, "manifest.json")),
            Options)!;
        return manifest.Cases;
    }

    [GeneratedRegex(@"""\$\{(?<name>[A-Za-z0-9:_\-]+)\}""|\$\{(?<inner>[A-Za-z0-9:_\-]+)\}")]
    private static partial Regex Placeholder();

    /// <summary>
    /// The template with its placeholders filled from <paramref name="values"/> (raw JSON for whole-string ones).
    /// </summary>
    public static byte[] Fill(byte[] template, IReadOnlyDictionary<string, object> values)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(template);
        }
        catch (DecoderFallbackException)
        {
            return template; // Not text: sent as it is.
        }
        if (!text.Contains("${", StringComparison.Ordinal)) return template;
        return Encoding.UTF8.GetBytes(Fill(text, values));
    }

    public static string Fill(string text, IReadOnlyDictionary<string, object> values) =>
        Placeholder().Replace(text, m =>
        {
            if (m.Groups["name"].Success)
            {
                var value = Value(values, m.Groups["name"].Value);
                return value is string s ? JsonSerializer.Serialize(s)
                    : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
            }
            return Convert.ToString(Value(values, m.Groups["inner"].Value),
                System.Globalization.CultureInfo.InvariantCulture)!;
        });

    private static object Value(IReadOnlyDictionary<string, object> values, string name) =>
        values.TryGetValue(name, out var v) ? v
            : throw new KeyNotFoundException($"no value for placeholder ${{{name}}}");
}
