using System.Text;
using System.Text.Json;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// Headers as jsonb: readable text where the bytes are UTF-8, base64 where they are not (a dead
/// letter keeps a hostile producer's bytes). Ingestion keeps feed and contest rows' headers so;
/// the outbox did until its compact form (<see cref="OutboxHeaders"/>), and reads older rows so.
/// </summary>
public static class HeaderJson
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static string Write(IReadOnlyList<Header> headers)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var h in headers)
            {
                w.WriteStartObject();
                w.WriteString("name", h.Name);
                if (TryText(h.Value, out var text)) w.WriteString("value", text);
                else w.WriteBase64String("base64", h.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static List<Header> Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<Header>(doc.RootElement.GetArrayLength());
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var name = e.GetProperty("name").GetString()!;
            var value = e.TryGetProperty("value", out var v)
                ? Encoding.UTF8.GetBytes(v.GetString()!)
                : e.GetProperty("base64").GetBytesFromBase64();
            list.Add(new Header(name, value));
        }
        return list;
    }

    private static bool TryText(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
