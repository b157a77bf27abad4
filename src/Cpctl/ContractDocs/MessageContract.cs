namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>
/// One message type of the contract: its wire name, schema version and record (null for a body we do not shape).
/// </summary>
public sealed record MessageContract(string Type, int Version, Type? Record)
{
    /// <summary>The schema file's name under docs/contracts/schemas.</summary>
    public string SchemaFile => $"{Type}.v{Version}.json";
}
