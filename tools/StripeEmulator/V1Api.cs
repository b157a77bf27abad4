using System.Globalization;
using ContestPipeline.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The /v1 surface. Every request takes the same path: Request-Id, authentication, the key's permissions, the
/// rate limit, injected faults, then the operation under Stripe's idempotency rules, then the answer (or, for the
/// applied-then faults, a dropped or late one).
/// </summary>
internal sealed class V1Api(StripeEmulatorOptions options, EmulatorState state, FaultTable faults)
{
    private readonly ApiKeys _keys = new(options);

    // The rate limit is about real request traffic, so it runs on real time whatever Stripe's clock says.
    private readonly TokenBucket? _limiter = options.RequestsPerSecondMax is { } rate
        ? new TokenBucket(rate, rate, TimeProvider.System)
        : null;

    public void Map(WebApplication app)
    {
        foreach (var route in V1Routes.All(state))
            app.MapMethods(route.Pattern, [route.Method], (HttpContext c) => Serve(c, route));
        app.Map(V1Route.Unrecognized.Pattern, (HttpContext c) => Serve(c, V1Route.Unrecognized));
    }

    private async Task Serve(HttpContext ctx, V1Route route)
    {
        var call = await ReadCallAsync(ctx);
        var version = ctx.Request.Headers.TryGetValue("Stripe-Version", out var asked) ? asked.ToString() : null;
        StripeFault? fault = null;
        var reply = Refusal(ctx, call, route);
        if (reply is null)
        {
            fault = faults.Take(call.Method, call.Path);
            reply = await AnswerAsync(ctx, call, route, fault);
        }
        // Status 0: the client went away during injected latency, before anything was applied.
        state.Record(new RecordedRequest(call.RequestId, call.Method, call.Path, call.IdempotencyKey,
            reply?.Status ?? 0, reply?.Replayed ?? false, fault?.Kind, call.Params.Canonical, version));
        if (reply is not null) await RespondAsync(ctx, reply, fault);
    }

    /// <summary>The request as an operation sees it; the answer's first headers are set on the way.</summary>
    private async Task<ApiCall> ReadCallAsync(HttpContext ctx)
    {
        var method = ctx.Request.Method;
        var requestId = state.NewRequestId();
        var headers = ctx.Response.Headers;
        headers["Request-Id"] = requestId;
        headers["Stripe-Version"] = ctx.Request.Headers.TryGetValue("Stripe-Version", out var version)
            ? version : StripeSettings.ApiVersion;
        // Stripe ignores idempotency keys on GET: reading twice is harmless.
        var key = HttpMethods.IsPost(method) && ctx.Request.Headers.TryGetValue("Idempotency-Key", out var k)
            ? k.ToString() : null;
        if (key is not null) headers["Idempotency-Key"] = key;
        var parameters = await ReadParamsAsync(ctx);
        var apiKey = ApiKeys.Presented(ctx.Request.Headers.Authorization.ToString()) ?? "";
        var account = ctx.Request.Headers.TryGetValue("Stripe-Account", out var a) && a.ToString().Length > 0
            ? a.ToString() : null;
        return new ApiCall(method, ctx.Request.Path.Value ?? "/", apiKey, _keys.Restricted(apiKey), key, parameters,
            requestId, account);
    }

    /// <summary>
    /// What Stripe refuses before looking at the request: no valid key, a restricted key without the endpoint's
    /// permission, or too many requests.
    /// </summary>
    private Reply? Refusal(HttpContext ctx, ApiCall call, V1Route route)
    {
        if (!_keys.Knows(call.ApiKey))
        {
            var presented = call.ApiKey.Length > 0 ? call.ApiKey : null;
            return Reply.Error(ApiKeys.Unauthorized(ctx.Request.Headers.Authorization.ToString(), presented));
        }
        if (route.Permission is { } needed && call.Restricted is { } restricted && !restricted.Allows(needed))
            return Reply.Error(ApiKeys.PermissionMissing(call.ApiKey, needed));
        if (call.Account is { } account && !route.OnConnectedAccount)
            return Reply.Error(new ApiError(400, StripeErrorTypes.InvalidRequestError,
                $"The emulator answers {call.Method} {call.Path} for the platform only; it holds no objects of " +
                $"connected account '{account}' (Stripe-Account) but its balance, payouts and events.",
                param: "Stripe-Account", beforeExecution: true));
        if (_limiter is null || _limiter.TryTake(out _)) return null;
        // Stripe says a rate-limited request may be sent again (later, with backoff).
        ctx.Response.Headers["Stripe-Should-Retry"] = "true";
        return Reply.Error(new ApiError(429, StripeErrorTypes.InvalidRequestError,
            "Request rate limit exceeded. Slow down and retry with exponential backoff.", StripeErrorCodes.RateLimit));
    }

    /// <summary>
    /// The operation's answer, or an injected fault's; null when the client left during injected latency.
    /// </summary>
    private async Task<Reply?> AnswerAsync(HttpContext ctx, ApiCall call, V1Route route, StripeFault? fault)
    {
        if (fault is { Kind: StripeFaultKind.Latency } && !await Wait(fault.Delay!.Value, ctx.RequestAborted))
            return null;
        var id = ctx.GetRouteValue("id") as string;
        Func<ApiCall, System.Text.Json.Nodes.JsonObject> operation = c => route.Operation(id, c);
        return fault?.Kind switch
        {
            StripeFaultKind.RateLimited => Reply.Error(new ApiError(429, StripeErrorTypes.InvalidRequestError,
                "Request rate limit exceeded (injected).", StripeErrorCodes.RateLimit)),
            StripeFaultKind.ServerError => Reply.Error(new ApiError(500, StripeErrorTypes.ApiError,
                "Sorry, something went wrong (injected).")),
            StripeFaultKind.ServiceUnavailable => Reply.Error(new ApiError(503, StripeErrorTypes.ApiError,
                "Stripe is temporarily unavailable (injected).")),
            StripeFaultKind.Refused => Reply.Error(new ApiError(400, StripeErrorTypes.InvalidRequestError,
                "The request was refused (injected).")),
            StripeFaultKind.BalanceInsufficient => Reply.Error(ApiError.Refused(StripeErrorCodes.BalanceInsufficient,
                "You have insufficient available funds in your Stripe account (injected).")),
            StripeFaultKind.KeyInFlight => Reply.Error(ApiError.KeyInFlight(call.IdempotencyKey)),
            StripeFaultKind.SlowExecution => await state.ExecuteSlowlyAsync(call, operation, fault.Delay!.Value),
            StripeFaultKind.AppliedWithOtherAmount when call.Params.Text("amount") is { } amount
                && long.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var asked) =>
                state.Execute(call with
                {
                    Params = call.Params.With("amount", (asked + 1).ToString(CultureInfo.InvariantCulture)),
                }, operation),
            _ => state.Execute(call, operation),
        };
    }

    private static async Task RespondAsync(HttpContext ctx, Reply reply, StripeFault? fault)
    {
        switch (fault?.Kind)
        {
            case StripeFaultKind.AppliedThenDropped:
                ctx.Abort();
                return;
            case StripeFaultKind.AppliedThenDelayed when !await Wait(fault.Delay!.Value, ctx.RequestAborted):
                return;
        }
        var headers = ctx.Response.Headers;
        if (reply.Replayed)
        {
            headers["Idempotent-Replayed"] = "true";
            headers["Original-Request"] = reply.OriginalRequest;
        }
        if (fault?.ShouldRetry is { } retry) headers["Stripe-Should-Retry"] = retry ? "true" : "false";
        ctx.Response.StatusCode = reply.Status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(reply.Body, ctx.RequestAborted);
    }

    /// <summary>
    /// A POST's form body, and any other request's query string whatever Content-Type it carries: stripe-node sends
    /// application/x-www-form-urlencoded on every request, its GETs included, with an empty body.
    /// </summary>
    private static async Task<ApiParams> ReadParamsAsync(HttpContext ctx)
    {
        IEnumerable<KeyValuePair<string, StringValues>> source =
            HttpMethods.IsPost(ctx.Request.Method) && ctx.Request.HasFormContentType
                ? await ctx.Request.ReadFormAsync(ctx.RequestAborted)
                : ctx.Request.Query;
        return ApiParams.From(source);
    }

    private static async Task<bool> Wait(TimeSpan delay, CancellationToken aborted)
    {
        try
        {
            await Task.Delay(delay, aborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
