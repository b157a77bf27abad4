using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>The hashes Ingestion records and announces.</summary>
public static class ContestHashes
{
    /// <summary>
    /// SHA-256 of a definition as the pipeline writes it, without its seals: the same definition sent again has
    /// the same hash, however many operators sealed it.
    /// </summary>
    public static string Definition(ContestDefined definition) => DefinitionSeals.Hash(definition);

    /// <summary>
    /// SHA-256 over the entry ids sorted ordinally, one per line: the frozen entry list
    /// EntriesClosed announces.
    /// </summary>
    public static string Entries(IEnumerable<string> entryIds) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Concat(entryIds.Order(StringComparer.Ordinal).Select(e => e + "\n")))));
}
