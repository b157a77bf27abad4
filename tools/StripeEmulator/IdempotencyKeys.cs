using System.Text.Json.Nodes;
using ContestPipeline.Stripe;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Stripe's memory of idempotency keys, per account (the platform, or the one Stripe-Account names) and mode,
/// whichever of the account's API keys (secret or restricted) made the request:
/// a key seen within the retention with the same endpoint and parameters replays the saved answer; with anything
/// else it is refused (400 idempotency_error); a key whose first request is still executing is answered 409 (retry
/// later, same key); otherwise the operation runs and its answer is saved, unless it was refused before running.
/// Its age is read on Stripe's clock, so a test that advances the clock past the retention makes the key new
/// again. Called under the state's lock.
/// </summary>
internal sealed class IdempotencyKeys(StripeClock clock, TimeSpan retention)
{
    private readonly Dictionary<(string Mode, string Account, string Key), Saved> _saved = [];
    private readonly HashSet<(string Mode, string Account, string Key)> _inFlight = [];

    private sealed record Saved(string Method, string Path, string Parameters, DateTimeOffset At, Reply Reply,
        string RequestId);

    /// <summary>
    /// The answer that comes before running (a replay, a conflict, a key in flight, a bad key), or null to run.
    /// </summary>
    public Reply? Admit(ApiCall call)
    {
        if (call.IdempotencyKey is not { } key) return null;
        if (key.Length > StripeApi.IdempotencyKeyLengthMax)
            return Reply.Error(ApiError.Parameter("idempotency_key_too_long", "Idempotency-Key",
                $"Idempotency keys are at most {StripeApi.IdempotencyKeyLengthMax} characters."));
        if (_inFlight.Contains(Scope(call, key))) return Reply.Error(ApiError.KeyInFlight(key));
        if (!_saved.TryGetValue(Scope(call, key), out var saved) || clock.UtcNow - saved.At >= retention) return null;
        if (saved.Method == call.Method && saved.Path == call.Path && saved.Parameters == call.Params.Canonical)
            return saved.Reply with { Replayed = true, OriginalRequest = saved.RequestId };
        return Reply.Error(new ApiError(400, StripeErrorTypes.IdempotencyError,
            "Keys for idempotent requests can only be used with the same parameters they were first used with. " +
            $"Try using a key other than '{key}' if you meant to execute a different request.",
            beforeExecution: true));
    }

    /// <summary>Runs the operation and saves its answer under the key.</summary>
    public Reply Run(ApiCall call, Func<ApiCall, JsonObject> operation)
    {
        Reply reply;
        try
        {
            reply = Reply.Ok(operation(call));
        }
        catch (ApiError e)
        {
            reply = Reply.Error(e);
            if (e.BeforeExecution) return reply;
        }
        if (call.IdempotencyKey is { } key)
            _saved[Scope(call, key)] = new Saved(call.Method, call.Path, call.Params.Canonical, clock.UtcNow, reply,
                call.RequestId);
        return reply;
    }

    /// <summary>Holds the call's key as executing: a request with it gets 409 until <see cref="Release"/>.</summary>
    public void Hold(ApiCall call)
    {
        if (call.IdempotencyKey is { } key) _inFlight.Add(Scope(call, key));
    }

    public void Release(ApiCall call)
    {
        if (call.IdempotencyKey is { } key) _inFlight.Remove(Scope(call, key));
    }

    public IReadOnlyList<string> InFlight() => [.. _inFlight.Select(k => k.Key)];

    /// <summary>
    /// A key's scope: the account and its mode. A restricted key is a credential of the account, so a request
    /// made with the account's secret key and one made with a restricted key share the account's keys.
    /// </summary>
    private static (string Mode, string Account, string Key) Scope(ApiCall call, string key) =>
        (call.ApiKey.Contains("_live_", StringComparison.Ordinal) ? "live" : "test", call.Account ?? "", key);
}
