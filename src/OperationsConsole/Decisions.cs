using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using System.Security.Claims;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.OperationsConsole.Rendering;
using Microsoft.AspNetCore.Http;
using ContestPipeline.OperationsConsole.SignIn;

namespace ContestPipeline.OperationsConsole;

/// <summary>
/// How the console acts: it publishes an operator's decision (through the one publish path the
/// operator tools share, <see cref="DecisionPublisher"/>), then records the action in the audit
/// trail (OperatorActed on <c>operations</c>) with who, role, when, why and the outcome. It never
/// writes a worker's table.
/// </summary>
public sealed class Decisions(DecisionPublisher publisher, TimeProvider clock, IHttpContextAccessor http,
    OperatorSessions sessions)
{
    public const string Tool = "console";

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>
    /// A decision id from a form: 32 hex digits, else a new one (a form that was tampered with still makes one
    /// decision).
    /// </summary>
    public static string DecisionId(IFormCollection form)
    {
        var id = form["decisionId"].ToString();
        return id.Length == 32 && id.All(Uri.IsHexDigit) ? id.ToLowerInvariant() : Guid.NewGuid().ToString("N");
    }

    public async Task PublishAsync<T>(string topic, string key, string messageId, T body, CancellationToken ct)
        where T : IMessage =>
        await publisher.PublishAsync(topic, key, messageId, body, Now, SignedIn(), ct);

    /// <summary>The definition with the signed-in operator's seal (<see cref="DefinitionSeals"/>).</summary>
    public ContestDefined Seal(ContestDefined definition) => DefinitionSeals.Seal(definition, SignedIn());

    /// <summary>The signed-in operator's seal of a make-good's terms (<see cref="MakeGoodSeals"/>).</summary>
    public OperatorSeal SealMakeGood(string contestId, string terms) =>
        MakeGoodSeals.Seal(SignedIn(), contestId, terms);

    /// <summary>
    /// The own key of the operator signed in to the request being served, which signs what they decide; a bug
    /// without one (every action needs a session that holds it).
    /// </summary>
    private OperatorKey SignedIn() =>
        sessions.Find(http.HttpContext?.User.FindFirstValue(OperatorSessions.Claim))
            ?? throw new InvalidOperationException("no operator's key for this sign-in; sign in again");

    /// <summary>
    /// The audit record of one action; its id follows the decision's, so a repeated form is one record.
    /// </summary>
    public Task AuditAsync(
        HttpContext c, string actionId, string action, string subject, string reason, string outcome,
        CancellationToken ct) =>
        AuditAsync(SignedIn(), Ui.Role(c), actionId, action, subject, reason, outcome, ct);

    /// <summary>The audit record of an action by the operator whose key is <paramref name="by"/>.</summary>
    public async Task AuditAsync(OperatorKey by, string role, string actionId, string action, string subject,
        string reason, string outcome, CancellationToken ct)
    {
        var body = new OperatorActed(actionId, by.Operator, role, action, subject, reason, outcome, Tool, Now);
        await publisher.PublishAsync(Topics.Operations, by.Operator, OperatorActed.MessageIdFor(actionId), body,
            body.At, by, ct);
    }
}
