using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ContestPipeline.StripeEmulation;

/// <summary>
/// /_emulator: test control over HTTP, for runs that host the emulator in another process.
/// Kept apart from /v1 (no API key, JSON bodies) and mapped one to one onto the emulator's
/// C# API, so both surfaces behave the same.
/// </summary>
internal static class ControlApi
{
    internal sealed record PaymentIntentBody(long Amount, string Currency, string? Status,
        Dictionary<string, string>? Metadata, bool? Pending);
    internal sealed record TopUpBody(long Amount, string Currency, bool? Pending);
    internal sealed record FaultBody(StripeFaultKind Kind, string? Method, string PathPrefix, int? Count, int? DelayMs,
        bool? ShouldRetry);
    internal sealed record DisputeBody(string PaymentIntent, long? Amount, string? Reason);
    internal sealed record DisputeCloseBody(bool Won);
    internal sealed record PayoutBody(long? Amount, string Currency, string? FailureCode);
    internal sealed record EventBody(string Type, string Object);
    internal sealed record RedeliverBody(int? DelayMs);
    internal sealed record ReleaseBody(WebhookOrder? Order, int? Seed);
    internal sealed record EndpointBody(Uri? Url);
    internal sealed record ClockBody(long Seconds);
    internal sealed record TransferFailureBody(string FailureCode, int? Count, string? Destination);
    internal sealed record RestrictBody(List<string>? PastDue);
    internal sealed record RejectBody(string? Reason);
    internal sealed record ConnectBody(bool Enabled);
    internal sealed record CountryBody(bool Supported);
    internal sealed record AccountBody(List<string>? CurrentlyDue, List<string>? EventuallyDue, List<string>? PastDue,
        List<string>? PendingVerification, string? DisabledReason, long? CurrentDeadline, bool? ChargesEnabled,
        bool? PayoutsEnabled, bool? DetailsSubmitted, CapabilityStatus? TransfersCapability);

    public static void Map(WebApplication app, StripeEmulator stripe)
    {
        var control = app.MapGroup("/_emulator");
        MapMoney(control, stripe);
        MapAccounts(control, stripe);
        MapFaults(control, stripe);
        MapEvents(control, stripe);
        control.MapGet("/clock", () => Results.Json(Clock(stripe)));
        control.MapPost("/clock/advance", (ClockBody b) => Do(() =>
        {
            stripe.AdvanceClock(TimeSpan.FromSeconds(b.Seconds));
            return Clock(stripe);
        }));
        control.MapGet("/ledger", () => Results.Json(stripe.Ledger()));
        control.MapGet("/requests", () => Results.Json(stripe.Requests()));
        control.MapGet("/keys", () => Results.Json(stripe.RestrictedKeys.Select(k => new
        {
            name = k.Name, key = k.Key, permissions = k.Permissions.Order(StringComparer.Ordinal),
        })));
    }

    private static void MapMoney(RouteGroupBuilder control, StripeEmulator stripe)
    {
        control.MapPost("/payment_intents", (PaymentIntentBody b) => Do(() => new JsonObject
        {
            ["id"] = stripe.CreatePaymentIntent(b.Amount, b.Currency, b.Status ?? "succeeded", b.Metadata,
                b.Pending ?? false),
        }));
        control.MapPost("/balance/top_up", (TopUpBody b) =>
            Do(() => stripe.TopUp(b.Amount, b.Currency, b.Pending ?? false)));
        control.MapPost("/balance/release_pending", () => Do(stripe.ReleasePending));
        control.MapGet("/balance/{currency}", (string currency) => Results.Json(stripe.PlatformBalance(currency)));
        control.MapPost("/transfers/{id}/fail", (string id, TransferFailureBody b) =>
            Do(() => stripe.FailTransfer(id, b.FailureCode)));
        control.MapPost("/transfers/fail_next", (TransferFailureBody b) =>
            Do(() => stripe.FailNextTransfers(b.FailureCode, b.Count ?? 1, b.Destination)));
        control.MapPost("/disputes", (DisputeBody b) => Do(() => new JsonObject
        {
            ["id"] = stripe.CreateDispute(b.PaymentIntent, b.Amount, b.Reason ?? "fraudulent"),
        }));
        control.MapPost("/disputes/{id}/close", (string id, DisputeCloseBody b) =>
            Do(() => stripe.CloseDispute(id, b.Won)));
    }

    private static void MapAccounts(RouteGroupBuilder control, StripeEmulator stripe)
    {
        control.MapPost("/accounts/{id}/enable_payouts", (string id) => Do(() => stripe.EnablePayouts(id)));
        control.MapPost("/accounts/{id}/enable", (string id) => Do(() => stripe.EnablePayouts(id)));
        control.MapPost("/accounts/{id}/restrict", (string id, RestrictBody b) =>
            Do(() => stripe.RestrictAccount(id, b.PastDue)));
        control.MapPost("/accounts/{id}/review", (string id) => Do(() => stripe.ReviewAccount(id)));
        control.MapPost("/accounts/{id}/reject", (string id, RejectBody b) =>
            Do(() => stripe.RejectAccount(id, b.Reason ?? "other")));
        control.MapPost("/accounts/{id}", (string id, AccountBody b) => Do(() => stripe.UpdateAccount(id,
            new AccountChange
            {
                CurrentlyDue = b.CurrentlyDue, EventuallyDue = b.EventuallyDue, PastDue = b.PastDue,
                PendingVerification = b.PendingVerification, DisabledReason = b.DisabledReason,
                CurrentDeadline = b.CurrentDeadline, ChargesEnabled = b.ChargesEnabled,
                PayoutsEnabled = b.PayoutsEnabled, DetailsSubmitted = b.DetailsSubmitted,
                TransfersCapability = b.TransfersCapability,
            })));
        control.MapPost("/connect", (ConnectBody b) => Do(() => stripe.SetConnectEnabled(b.Enabled)));
        control.MapPost("/connect/countries/{country}", (string country, CountryBody b) =>
            Do(() => stripe.SetCountrySupported(country, b.Supported)));
        control.MapGet("/onboarding/{id}", (string id, string return_url) =>
        {
            stripe.EnablePayouts(id);
            return Results.Redirect(return_url);
        });
        control.MapGet("/express/{id}/{link}", (string id) =>
            Results.Text($"The Express dashboard of {id} (emulated).", "text/plain"));
        control.MapPost("/accounts/{id}/payouts", (string id, PayoutBody b) => Do(() => new JsonObject
        {
            ["id"] = b.Amount is { } amount ? stripe.CreatePayout(id, amount, b.Currency, b.FailureCode)
                : stripe.PayOutBalance(id, b.Currency, b.FailureCode),
        }));
    }

    private static void MapFaults(RouteGroupBuilder control, StripeEmulator stripe)
    {
        control.MapPost("/faults", (FaultBody b) => Do(() => stripe.InjectFault(new StripeFault(b.Kind,
            b.Method ?? "*", b.PathPrefix, b.Count ?? 1, b.DelayMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            b.ShouldRetry))));
        control.MapDelete("/faults", () => Do(stripe.ClearFaults));
    }

    private static void MapEvents(RouteGroupBuilder control, StripeEmulator stripe)
    {
        control.MapPost("/events", (EventBody b) =>
            Do(() => new JsonObject { ["id"] = stripe.EmitEvent(b.Type, b.Object) }));
        control.MapPost("/events/{id}/redeliver", (string id, RedeliverBody b) =>
            Do(() => stripe.RedeliverEvent(id, TimeSpan.FromMilliseconds(b.DelayMs ?? 0))));
        control.MapPost("/webhooks/endpoint", (EndpointBody b) => Do(() => stripe.WebhookEndpoint = b.Url));
        control.MapPost("/webhooks/hold", () => Do(stripe.HoldWebhooks));
        control.MapPost("/webhooks/release", (ReleaseBody b) =>
            Do(() => stripe.ReleaseWebhooks(b.Order ?? WebhookOrder.AsCreated, b.Seed ?? 0)));
        control.MapGet("/webhooks/deliveries", () => Results.Json(stripe.WebhookDeliveries()));
    }

    private static JsonObject Clock(StripeEmulator stripe) => new() { ["now"] = stripe.Now.ToUnixTimeSeconds() };

    private static IResult Do(Action action) => Do(() =>
    {
        action();
        return new JsonObject { ["ok"] = true };
    });

    private static IResult Do(Func<JsonObject> action)
    {
        try
        {
            return Results.Json(action());
        }
        catch (KeyNotFoundException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status404NotFound);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
