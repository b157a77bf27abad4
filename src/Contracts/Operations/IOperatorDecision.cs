namespace ContestPipeline.Contracts.Operations;

/// <summary>
/// A decision that names the operator who made it. When it is produced as <c>operator</c>, every
/// consumer refuses it unless <see cref="Operator"/> is exactly the operator whose own key signed it
/// (the <c>operator</c> header, verified): one operator cannot decide under another's name, nor
/// under two names.
/// </summary>
public interface IOperatorDecision
{
    string Operator { get; }
}
