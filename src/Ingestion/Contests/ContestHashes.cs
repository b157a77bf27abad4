using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>The hashes Ingestion records and announces.</summary>
public static class ContestHashes
{
    /// <summary>
    /// SHA-256 of a definition as the pipeline writes it: the same definition sent again has the
    /// same hash.
    /// </summary>
    public static string Definition(ContestDefined definition) =>
        Convert.ToHexStringLower(
            SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(definition, OutgoingMessage.Json)));

    /// <summary>
    /// SHA-256 over the entry ids sorted ordinally, one per line: the frozen entry list
    /// EntriesClosed announces.
    /// </summary>
    public static string Entries(IEnumerable<string> entryIds) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Concat(entryIds.Order(StringComparer.Ordinal).Select(e => e + "\n")))));
}
