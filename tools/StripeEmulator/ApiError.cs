using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// A Stripe error answer. <see cref="BeforeExecution"/> follows Stripe's idempotency rule:
/// a request refused before the endpoint ran (bad parameters, unknown object, key reused
/// with other parameters) saves no result, so its key can be used again; one refused while
/// running (insufficient balance, amount too large) saves the error and replays it.
/// </summary>
internal sealed class ApiError(int status, string type, string message, string? code = null, string? param = null,
    bool beforeExecution = false) : Exception(message)
{
    public int Status { get; } = status;
    public bool BeforeExecution { get; } = beforeExecution;

    public JsonObject Body()
    {
        var error = new JsonObject { ["type"] = type, ["message"] = Message };
        if (code is not null) error["code"] = code;
        if (param is not null) error["param"] = param;
        return new JsonObject { ["error"] = error };
    }

    public static ApiError Parameter(string code, string param, string message) =>
        new(400, StripeErrorTypes.InvalidRequestError, message, code, param, beforeExecution: true);

    public static ApiError Missing(string kind, string id, string param = "id") =>
        new(404, StripeErrorTypes.InvalidRequestError, $"No such {kind}: '{id}'", StripeErrorCodes.ResourceMissing,
            param, beforeExecution: true);

    /// <summary>Stripe's 409 while another request with the key is being processed; saves nothing.</summary>
    public static ApiError KeyInFlight(string? key) => new(409, StripeErrorTypes.IdempotencyError,
        "There is currently another in-progress request using this Idempotent Key (that probably means you " +
        $"submitted twice, and the other request is still going through): {key}. Please try again later.",
        StripeErrorCodes.IdempotencyKeyInUse, beforeExecution: true);

    /// <summary>A business rule refused the request after it started running; the result is saved.</summary>
    public static ApiError Refused(string? code, string message, string? param = null) =>
        new(400, StripeErrorTypes.InvalidRequestError, message, code, param);
}
