using ContestPipeline.Contracts;

namespace ContestPipeline.Cpctl.ContractDocs;

/// <summary>One topic of the catalog: its key, the types on it, who sends them and who reads them.</summary>
public sealed record TopicContract(
    TopicSpec Spec,
    string Key,
    bool Signed,
    IReadOnlyList<string> Types,
    IReadOnlyDictionary<string, IReadOnlyList<string>> SendersByType,
    IReadOnlyList<string> Receivers);
