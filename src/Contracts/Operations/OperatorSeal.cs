namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// One operator's seal on a statement that another service relays to the one that acts on it: a contest
/// definition (Ingestion relays it to Scoring and Settlement, Settlement a guarantee to Payout) or a make-good's
/// terms (Settlement relays them to Payout). <see cref="Signatures"/> holds, for each service that acts on it
/// (<c>&lt;consumer&gt;:&lt;hex&gt;</c>, comma-separated), an HMAC under the key the operator's own key gives that
/// service, so the relaying service can neither make one up nor alter what was sealed (the schemes:
/// src/Plumbing/Messaging/DefinitionSeals.cs and MakeGoodSeals.cs).
/// </summary>
public sealed record OperatorSeal(string Operator, string KeyId, string Signatures);
