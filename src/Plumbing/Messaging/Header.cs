using System.Text;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>One Kafka header; values are bytes on the wire.</summary>
public readonly record struct Header(string Name, byte[] Value)
{
    public static Header Text(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));
}
