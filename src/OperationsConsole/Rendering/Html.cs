using System.Globalization;
using System.Net;
using System.Text;
using ContestPipeline.Contracts;

namespace ContestPipeline.OperationsConsole.Rendering;

/// <summary>
/// Server-rendered HTML, written by hand: every value goes through <see cref="Encode"/> (HTML
/// encoding), forms carry the anti-forgery token, and the pages need no script.
/// </summary>
public static class Html
{
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A count with thousands separators (digits and commas: nothing to encode).</summary>
    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Amount(long minor, string? currency) => Encode(Money.Format(minor, currency));

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? Encode(t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z") : "";

    public static string Url(string text) => Uri.EscapeDataString(text);

    public static string Table(IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rows, string? id = null)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"<table{(id is null ? "" : $" id=\"{id}\"")}><thead><tr>");
        foreach (var h in headers) b.Append("<th>").Append(Encode(h)).Append("</th>");
        b.Append("</tr></thead><tbody>");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            b.Append("<tr>");
            foreach (var cell in row) b.Append("<td>").Append(cell).Append("</td>");
            b.Append("</tr>");
        }
        if (!any) b.Append("<tr><td colspan=\"99\" class=\"none\">none</td></tr>");
        return b.Append("</tbody></table>").ToString();
    }

    public static string Badge(string text, string? kind = null) =>
        $"<span class=\"badge {Encode(kind ?? text)}\">{Encode(text)}</span>";

    public static string Link(string href, string text) => $"<a href=\"{Encode(href)}\">{Encode(text)}</a>";

    public const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
        header{background:#1d2b3a;color:#fff;padding:.6rem 1.2rem;
        display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
        header a{color:#cfe3ff;text-decoration:none;margin-right:.6rem}header .who{margin-left:auto;font-size:.9rem}
        header form{display:inline}main{padding:1rem 1.4rem;max-width:1250px}
        h1{font-size:1.4rem;margin:.3rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
        table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:1rem;font-size:.88rem}
        th,td{border:1px solid #dde2e8;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eef1f5}
        td.none{color:#888;text-align:center}.cards{display:flex;gap:1rem;flex-wrap:wrap}
        .card{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:.7rem 1rem;min-width:200px}
        .card b{display:block;font-size:1.3rem}
        .badge{padding:.1rem .4rem;border-radius:4px;background:#e3e7ec;font-size:.8rem}
        .critical,.depleted,.halted{background:#f8d0d0;color:#8a1010}.warning,.held{background:#fbeec4;color:#6b4d00}
        .healthy,.paid,.PAID,.resolved,.running{background:#d3f1d8;color:#0c5a1d}.info,.acknowledged{background:#dbe8fb}
        form.inline{display:inline-flex;gap:.3rem;align-items:center;margin:.1rem 0}
        input,select,textarea{font:inherit;padding:.2rem .3rem}
        textarea{width:100%;font-family:ui-monospace,monospace;font-size:.85rem}
        button{font:inherit;padding:.2rem .6rem;cursor:pointer}
        .error{background:#fde2e2;border:1px solid #f0a0a0;padding:.6rem 1rem;border-radius:6px}
        .ok{background:#e0f6e4;border:1px solid #9fd8a9;padding:.6rem 1rem;border-radius:6px}
        .muted{color:#666;font-size:.85rem}
        .filters{margin-bottom:.8rem}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
        """;

    /// <summary>The page around a body: the navigation, who is signed in, and a sign-out form.</summary>
    public static string Page(string title, string body, string? user, string? role, string? antiforgery)
    {
        var nav = user is null ? "" : $"""
            <a href="/">Dashboard</a><a href="/contests">Contests</a><a href="/payouts">Payouts</a>
            <a href="/alerts">Alerts</a>
            <a href="/balance">Balance</a><a href="/revenue">Revenue</a><a href="/webhooks">Webhooks</a>
            <a href="/notifications">Notifications</a>
            <a href="/players">Players</a><a href="/tax">Tax year</a><a href="/audit">Audit log</a>
            <span class="who">{Encode(user)} ({Encode(role)}) <form method="post"
              action="/signout">{antiforgery}<button>Sign out</button></form></span>
            """;
        return $"""
            <!doctype html><html lang="en"><head>
            <meta charset="utf-8"><title>{Encode(title)} · ContestPipeline operations</title>
            <meta name="viewport" content="width=device-width,initial-scale=1"><style>{Style}</style></head>
            <body><header><strong>ContestPipeline operations</strong>{nav}</header>
            <main><h1>{Encode(title)}</h1>{body}</main></body></html>
            """;
    }

    /// <summary>
    /// A line chart as inline SVG: one series of (time, value) points scaled to the box, with
    /// dashed horizontal lines for the given levels (e.g. warning and critical thresholds).
    /// </summary>
    public static string LineChart(
        IReadOnlyList<(DateTimeOffset At, long Value)> points,
        IReadOnlyList<(string Label, long Value, string Color)> levels,
        string? currency, int width = 760, int height = 220)
    {
        if (points.Count == 0) return "<p class=\"muted\">no snapshots yet</p>";
        var max = Math.Max(points.Max(p => p.Value), levels.Count == 0 ? 1 : levels.Max(l => l.Value));
        max = Math.Max(max, 1);
        var min = Math.Min(0, points.Min(p => p.Value));
        var t0 = points[0].At;
        var span = Math.Max(1, (points[^1].At - t0).TotalSeconds);
        const int pad = 40;
        string X(DateTimeOffset at) =>
            (pad + (at - t0).TotalSeconds / span * (width - 2 * pad)).ToString("F1", CultureInfo.InvariantCulture);
        string Y(long v) =>
            (height - pad - (double)(v - min) / (max - min) * (height - 2 * pad))
                .ToString("F1", CultureInfo.InvariantCulture);
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" "
            + $"aria-label=\"available balance trend\" style=\"background:#fff;border:1px solid #dde2e8\">");
        foreach (var (label, value, color) in levels)
            b.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{pad}\" x2=\"{width - pad}\" y1=\"{Y(value)}\" y2=\"{Y(value)}\" "
                + $"stroke=\"{color}\" stroke-dasharray=\"5,4\"/>"
                + $"<text x=\"{width - pad + 2}\" y=\"{Y(value)}\" font-size=\"10\" fill=\"{color}\">"
                + $"{Encode(label)}</text>");
        var path = string.Join(" ", points.Select(p => $"{X(p.At)},{Y(p.Value)}"));
        b.Append(CultureInfo.InvariantCulture,
            $"<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{path}\"/>");
        foreach (var p in points)
            b.Append(CultureInfo.InvariantCulture,
                $"<circle cx=\"{X(p.At)}\" cy=\"{Y(p.Value)}\" r=\"2.5\" fill=\"#1f6feb\">"
                + $"<title>{Time(p.At)}: {Amount(p.Value, currency)}</title></circle>");
        b.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{pad}\" y=\"{height - 10}\" font-size=\"10\">{Time(points[0].At)}</text>"
            + $"<text x=\"{width - pad}\" y=\"{height - 10}\" font-size=\"10\" text-anchor=\"end\">"
            + $"{Time(points[^1].At)}</text>");
        b.Append(CultureInfo.InvariantCulture,
            $"<text x=\"4\" y=\"{pad - 8}\" font-size=\"10\">{Amount(max, currency)}</text>");
        return b.Append("</svg>").ToString();
    }
}
