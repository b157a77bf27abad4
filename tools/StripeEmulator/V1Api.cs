using System.Text.Json.Nodes;
using ContestPipeline.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// The /v1 surface. Every request takes the same path: Request-Id, authentication, the
/// rate limit, injected faults, then the operation under Stripe's idempotency rules, then
/// the answer (or, for the applied-then faults, a dropped or late one).
/// </summary>
internal sealed class V1Api(StripeEmulatorOptions options, EmulatorState state, FaultTable faults)
{
    // The rate limit is about real request traffic, so it runs on real time whatever Stripe's clock says.
    private readonly TokenBucket? _limiter = options.RequestsPerSecondMax is { } rate
        ? new TokenBucket(rate, rate, TimeProvider.System)
        : null;

    public void Map(WebApplication app)
    {
        app.MapGet("/v1/payment_intents/{id}", (HttpContext c, string id) => Serve(c, call => state.GetPaymentIntent(id, call)));
        app.MapPost("/v1/refunds", (HttpContext c) => Serve(c, state.CreateRefund));
        app.MapGet("/v1/refunds/{id}", (HttpContext c, string id) => Serve(c, call => state.GetRefund(id, call)));
        app.MapPost("/v1/accounts", (HttpContext c) => Serve(c, state.CreateAccount));
        app.MapGet("/v1/accounts/{id}", (HttpContext c, string id) => Serve(c, call => state.GetAccount(id, call)));
        app.MapPost("/v1/account_links", (HttpContext c) => Serve(c, state.CreateAccountLink));
        app.MapPost("/v1/transfers", (HttpContext c) => Serve(c, state.CreateTransfer));
        app.MapGet("/v1/transfers", (HttpContext c) => Serve(c, state.ListTransfers));
        app.MapGet("/v1/transfers/{id}", (HttpContext c, string id) => Serve(c, call => state.GetTransfer(id, call)));
        app.MapPost("/v1/transfers/{id}/reversals", (HttpContext c, string id) => Serve(c, call => state.CreateTransferReversal(id, call)));
        app.MapGet("/v1/disputes/{id}", (HttpContext c, string id) => Serve(c, call => state.GetDispute(id, call)));
        app.MapGet("/v1/balance", (HttpContext c) => Serve(c, state.GetBalance));
        app.MapGet("/v1/events", (HttpContext c) => Serve(c, state.ListEvents));
        app.Map("/v1/{**rest}", (HttpContext c) => Serve(c, _ => throw new ApiError(404, StripeErrorTypes.InvalidRequestError,
            $"Unrecognized request URL ({c.Request.Method}: {c.Request.Path}).", beforeExecution: true)));
    }

    private async Task Serve(HttpContext ctx, Func<ApiCall, JsonObject> operation)
    {
        var method = ctx.Request.Method;
        var path = ctx.Request.Path.Value ?? "/";
        var requestId = state.NewRequestId();
        var headers = ctx.Response.Headers;
        headers["Request-Id"] = requestId;
        headers["Stripe-Version"] = ctx.Request.Headers.TryGetValue("Stripe-Version", out var version) ? version : StripeSettings.ApiVersion;
        // Stripe ignores idempotency keys on GET: reading twice is harmless.
        var key = HttpMethods.IsPost(method) && ctx.Request.Headers.TryGetValue("Idempotency-Key", out var k) ? k.ToString() : null;
        if (key is not null) headers["Idempotency-Key"] = key;

        var requested = ctx.Request.Headers.TryGetValue("Stripe-Version", out var asked) ? asked.ToString() : null;
        var parameters = await ReadParamsAsync(ctx);
        RecordedRequest Recorded(int status, bool replayed, StripeFaultKind? kind) =>
            new(requestId, method, path, key, status, replayed, kind, parameters.Canonical, requested);
        StripeFault? fault = null;
        Reply reply;
        if (Authenticate(ctx) is not { } apiKey)
        {
            reply = Unauthorized(ctx);
        }
        else if (apiKey == options.BalanceReadKey && !(HttpMethods.IsGet(method) && path == "/v1/balance"))
        {
            // A restricted key outside its permissions: Stripe refuses before doing anything.
            reply = EmulatorState.ErrorReply(new ApiError(403, StripeErrorTypes.InvalidRequestError,
                $"The provided key '{Redact(apiKey)}' does not have the required permissions for this endpoint. Having the 'rak_balance_read' permission would allow this request to continue."));
        }
        else if (_limiter is not null && !_limiter.TryTake(out _))
        {
            reply = EmulatorState.ErrorReply(new ApiError(429, StripeErrorTypes.InvalidRequestError,
                "Request rate limit exceeded. Slow down and retry with exponential backoff.", StripeErrorCodes.RateLimit));
            // Stripe says a rate-limited request may be sent again (later, with backoff).
            headers["Stripe-Should-Retry"] = "true";
        }
        else
        {
            fault = faults.Take(method, path);
            if (fault is { Kind: StripeFaultKind.Latency } && !await Wait(fault.Delay!.Value, ctx.RequestAborted))
            {
                // The client gave up while the request was still on its way in: nothing was applied.
                state.Record(Recorded(0, false, fault.Kind));
                return;
            }
            reply = fault?.Kind switch
            {
                StripeFaultKind.RateLimited => EmulatorState.ErrorReply(new ApiError(429, StripeErrorTypes.InvalidRequestError,
                    "Request rate limit exceeded (injected).", StripeErrorCodes.RateLimit)),
                StripeFaultKind.ServerError => EmulatorState.ErrorReply(new ApiError(500, StripeErrorTypes.ApiError,
                    "Sorry, something went wrong (injected).")),
                StripeFaultKind.ServiceUnavailable => EmulatorState.ErrorReply(new ApiError(503, StripeErrorTypes.ApiError,
                    "Stripe is temporarily unavailable (injected).")),
                StripeFaultKind.Refused => EmulatorState.ErrorReply(new ApiError(400, StripeErrorTypes.InvalidRequestError,
                    "The request was refused (injected).")),
                StripeFaultKind.KeyInFlight => EmulatorState.KeyInFlight(key),
                StripeFaultKind.SlowExecution => await state.ExecuteSlowlyAsync(apiKey, method, path, key, parameters, requestId,
                    operation, fault.Delay!.Value),
                StripeFaultKind.AppliedWithOtherAmount when parameters.Text("amount") is { } amount
                    && long.TryParse(amount, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var askedAmount) =>
                    state.Execute(apiKey, method, path, key, parameters.With("amount", (askedAmount + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        requestId, operation),
                _ => state.Execute(apiKey, method, path, key, parameters, requestId, operation),
            };
        }
        state.Record(Recorded(reply.Status, reply.Replayed, fault?.Kind));

        switch (fault?.Kind)
        {
            case StripeFaultKind.AppliedThenDropped:
                ctx.Abort();
                return;
            case StripeFaultKind.AppliedThenDelayed when !await Wait(fault.Delay!.Value, ctx.RequestAborted):
                return;
        }
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

    private string? Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        var key = header.StartsWith(bearer, StringComparison.Ordinal) ? header[bearer.Length..].Trim() : null;
        return key == options.ApiKey || key == options.BalanceReadKey ? key : null;
    }

    private static Reply Unauthorized(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        var message = header.Length == 0
            ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            : $"Invalid API Key provided: {Redact(header.Split(' ')[^1])}";
        return EmulatorState.ErrorReply(new ApiError(401, StripeErrorTypes.InvalidRequestError, message));
    }

    private static string Redact(string key) => key.Length <= 12 ? "****" : key[..8] + new string('*', key.Length - 12) + key[^4..];

    private static async Task<ApiParams> ReadParamsAsync(HttpContext ctx)
    {
        IEnumerable<KeyValuePair<string, StringValues>> source = ctx.Request.HasFormContentType
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
