using System.Security.Claims;
using ContestPipeline.Contracts.Operations;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using static ContestPipeline.OperationsConsole.Rendering.Html;

namespace ContestPipeline.OperationsConsole.Rendering;

/// <summary>Who is signed in, and how a page and a form are written for them.</summary>
public sealed class Ui(IAntiforgery antiforgery)
{
    public static string Name(HttpContext c) => c.User.Identity?.Name ?? "";

    public static string Role(HttpContext c) => c.User.FindFirstValue(ClaimTypes.Role) ?? OperatorRoles.Viewer;

    public static bool Can(HttpContext c, string role) => OperatorRoles.Allows(Role(c), role);

    /// <summary>The hidden anti-forgery field every form carries (checked on every POST).</summary>
    public string Token(HttpContext c)
    {
        var t = antiforgery.GetAndStoreTokens(c);
        return $"<input type=\"hidden\" name=\"{Encode(t.FormFieldName)}\" value=\"{Encode(t.RequestToken)}\">";
    }

    public IResult Page(HttpContext c, string title, string body, int status = 200) =>
        Results.Content(
            Html.Page(title, body, c.User.Identity?.IsAuthenticated == true ? Name(c) : null, Role(c), Token(c)),
            "text/html; charset=utf-8", null, status);

    /// <summary>
    /// A form that publishes one decision: the anti-forgery token and a decision id made now,
    /// so the same form submitted twice is the same decision (one message id).
    /// </summary>
    public string Form(HttpContext c, string action, string fields, string button, string? cssClass = "inline") =>
        $"<form method=\"post\" action=\"{Encode(action)}\" class=\"{cssClass}\">{Token(c)}"
            + $"<input type=\"hidden\" name=\"decisionId\" value=\"{Guid.NewGuid():N}\">{fields}"
            + $"<button>{Encode(button)}</button></form>";

    public IResult Forbidden(HttpContext c, string needed) =>
        Page(c, "Not allowed",
            $"<p class=\"error\">Your role ({Encode(Role(c))}) cannot do this; it needs {Encode(needed)}.</p>",
            StatusCodes.Status403Forbidden);

    public IResult Problem(
        HttpContext c, string title, IEnumerable<string> reasons, int status = StatusCodes.Status400BadRequest) =>
        Page(c, title, "<div class=\"error\"><ul id=\"reasons\">"
            + string.Concat(reasons.Select(r => $"<li>{Encode(r)}</li>")) + "</ul></div>"
            + "<p><a href=\"javascript:history.back()\">Back</a></p>", status);

    public IResult Done(HttpContext c, string title, string message, string back) =>
        Page(c, title, $"<p class=\"ok\" id=\"done\">{Encode(message)}</p><p>{Link(back, "Back")}</p>");
}
