namespace ContestPipeline.Contracts;

/// <summary>
/// A message contract: its wire type name and schema version, declared once on the record
/// (as <c>MessageType</c> and <c>SchemaVersion</c> constants) and read through this interface
/// by typed handlers and the publish path, so no handler repeats them.
/// </summary>
public interface IMessage
{
    static abstract string Type { get; }
    static abstract int Version { get; }
}
