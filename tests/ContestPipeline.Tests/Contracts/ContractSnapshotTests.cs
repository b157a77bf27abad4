using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Contracts;

/// <summary>
/// The wire records are the product's public interface and change only additively. Every
/// field of every message type is written down in <c>docs/topics/contracts.snapshot</c>; a
/// field removed, renamed or retyped fails here, and so does a new field on an existing
/// message that is not optional, since a message produced before it existed could no
/// longer be read — unless the field is inside an object that is itself new and optional (a
/// new list of new rows, say): a message produced before has no such object, so nothing in it
/// can be missing, and the new rows are read as strictly as any. New fields and new messages
/// are added to the snapshot with the change.
/// </summary>
public sealed class ContractSnapshotTests
{
    private static readonly string SnapshotPath = Path.Combine(RepoPaths.Root, "docs", "topics", "contracts.snapshot");
    private static readonly NullabilityInfoContext Nullability = new();

    [Fact]
    public void Every_field_in_the_snapshot_is_still_on_the_wire_with_its_type()
    {
        var current = Describe().ToHashSet(StringComparer.Ordinal);
        var missing = Snapshot().Where(line => !current.Contains(line)).ToList();
        Assert.True(missing.Count == 0,
            "removed, renamed or retyped since the snapshot (contracts change only additively):\n" +
            string.Join("\n", missing));
    }

    [Fact]
    public void A_field_added_to_an_existing_message_is_optional_and_written_into_the_snapshot()
    {
        var snapshot = Snapshot().ToHashSet(StringComparer.Ordinal);
        var knownMessages = snapshot.Select(l => l.Split([' ', '.', ':'])[0]).ToHashSet(StringComparer.Ordinal);
        var added = Describe().Where(line => !snapshot.Contains(line)).ToList();
        var required = added.Where(l => knownMessages.Contains(l.Split([' ', '.', ':'])[0])
            && !l.Contains(" optional", StringComparison.Ordinal)
            && !l.StartsWith("enum ", StringComparison.Ordinal) && !InsideNewOptionalObject(l, added)).ToList();
        Assert.True(required.Count == 0,
            "a required field on an existing message: what was produced before cannot be read:\n" +
            string.Join("\n", required));
        Assert.True(added.Count == 0, $"not yet in {SnapshotPath}; add these lines with the change:\n" +
            string.Join("\n", added));
    }

    [Fact]
    public void The_snapshot_covers_every_message_type()
    {
        var described = Snapshot().Select(l => l.Split([' ', '.', ':'])[0]).ToHashSet(StringComparer.Ordinal);
        var undescribed = MessageTypes().Select(t => t.Name).Where(n => !described.Contains(n)).ToList();
        Assert.True(undescribed.Count == 0, "message types missing from the snapshot: " +
            string.Join(", ", undescribed));
        Assert.True(MessageTypes().Count() >= 30, "the message types were not found by reflection");
    }

    /// <summary>
    /// True when a field's path passes through an object or list that is among the added lines
    /// and optional: "M.table.rows[].from" is inside "M.table.rows", if "M.table.rows: ... optional" was added.
    /// </summary>
    private static bool InsideNewOptionalObject(string line, IReadOnlyList<string> added)
    {
        var path = line[..line.IndexOf(':', StringComparison.Ordinal)];
        for (var cut = path.LastIndexOf('.'); cut > 0; cut = path.LastIndexOf('.', cut - 1))
        {
            var parent = path[..cut];
            while (parent.EndsWith("[]", StringComparison.Ordinal) || parent.EndsWith("{}", StringComparison.Ordinal))
                parent = parent[..^2];
            if (added.Any(l => l.StartsWith(parent + ": ", StringComparison.Ordinal)
                && l.EndsWith(" optional", StringComparison.Ordinal))) return true;
        }
        return false;
    }

    private static IEnumerable<string> Snapshot() =>
        File.ReadAllLines(SnapshotPath).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private static IEnumerable<Type> MessageTypes() =>
        typeof(Topics).Assembly.GetTypes()
            .Where(t => t.IsClass
                && t.GetField("MessageType", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>One line per field, path from the message type: "Name.field.inner: type [optional]".</summary>
    private static IEnumerable<string> Describe()
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        var enums = new HashSet<Type>();
        foreach (var type in MessageTypes())
        {
            // A body that is not ours to shape (Stripe's event JSON, forwarded byte for byte).
            if (type.IsAbstract && type.IsSealed) lines.Add(type.Name + ": opaque");
            else DescribeObject(type.Name, type, lines, enums, depth: 0);
        }
        foreach (var e in enums)
            foreach (var name in Enum.GetNames(e))
                lines.Add($"enum {e.Name}.{name} = " +
                    $"{Convert.ToInt64(Enum.Parse(e, name), System.Globalization.CultureInfo.InvariantCulture)}");
        return lines;
    }

    private static void DescribeObject(string path, Type type, SortedSet<string> lines, HashSet<Type> enums, int depth)
    {
        if (depth > 6) throw new InvalidOperationException($"{path}: nested too deeply to describe");
        var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var parameters = ctor?.GetParameters().ToDictionary(p => p.Name!, StringComparer.OrdinalIgnoreCase) ?? [];
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0))
        {
            if (p.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always }) continue;
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            var optional = Nullability.Create(p).ReadState == NullabilityState.Nullable
                || parameters.TryGetValue(p.Name, out var parameter) && parameter.HasDefaultValue
                || parameters.Count > 0 && !parameters.ContainsKey(p.Name);
            var fieldPath = path + "." + name;
            lines.Add(
                $"{fieldPath}: {Kind(p.PropertyType, fieldPath, lines, enums, depth)}{(optional ? " optional" : "")}");
        }
    }

    private static string Kind(Type type, string path, SortedSet<string> lines, HashSet<Type> enums, int depth)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string)) return "string";
        if (t == typeof(bool)) return "boolean";
        if (t == typeof(int) || t == typeof(long) || t == typeof(short)) return "integer";
        if (t == typeof(DateTimeOffset)) return "timestamp";
        if (t == typeof(JsonElement)) return "json";
        if (t.IsEnum)
        {
            enums.Add(t);
            return "enum " + t.Name;
        }
        if (t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t))
        {
            var element = t.IsArray ? t.GetElementType()! : t.GetGenericArguments().Last();
            if (t.IsGenericType && t.GetGenericArguments().Length == 2)
                return $"map<{Kind(t.GetGenericArguments()[0], path + "{}", lines, enums, depth)}, " +
                    $"{Kind(element, path + "{}", lines, enums, depth)}>";
            return Kind(element, path + "[]", lines, enums, depth) + "[]";
        }
        if (t.Assembly == typeof(Topics).Assembly && (t.IsClass || t.IsValueType))
        {
            DescribeObject(path, t, lines, enums, depth + 1);
            return "object " + t.Name;
        }
        return t.Name;
    }
}
