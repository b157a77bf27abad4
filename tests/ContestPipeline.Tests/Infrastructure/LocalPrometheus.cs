using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ContestPipeline.Local.Processes;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>
/// Debian's Prometheus and promtool (installed by ./run test through build/prometheus.sh): a real server on loopback
/// scraping the given targets every 2 s with the shipped alert rules, and promtool for the offline checks.
/// </summary>
public sealed class LocalPrometheus : IAsyncDisposable
{
    public const string DirectoryVariable = "CONTESTPIPELINE_PROMETHEUS_DIR";

    private readonly Process _process;
    private readonly HttpClient _http;

    private LocalPrometheus(Process process, Uri url)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(20) };
    }

    public static string Tool(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable(DirectoryVariable) ?? "/usr/bin", name);

    public static string DeployFile(params string[] parts) => Path.Combine([RepoPaths.Root, "deploy", .. parts]);

    /// <summary>Runs promtool; returns its exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Tool("promtool"))
            { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start promtool");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Every query of the shipped dashboard, by panel title.</summary>
    public static IReadOnlyList<(string Panel, string Expr)> DashboardQueries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DeployFile("grafana", "contestpipeline.json")));
        return [.. doc.RootElement.GetProperty("panels").EnumerateArray().SelectMany(p =>
            p.GetProperty("targets").EnumerateArray().Select(t =>
                (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)))];
    }

    /// <summary>Starts a server scraping <paramref name="targets"/> (host:port) every 2 s, with alerts.yml.</summary>
    public static async Task<LocalPrometheus> StartAsync(string directory, IEnumerable<string> targets)
    {
        var port = LocalConsole.FreePort();
        var home = Path.Combine(directory, $"prometheus-{port}");
        Directory.CreateDirectory(home);
        File.Copy(DeployFile("prometheus", "alerts.yml"), Path.Combine(home, "alerts.yml"));
        var list = string.Join(", ", targets.Select(t => $"\"{t}\""));
        await File.WriteAllTextAsync(Path.Combine(home, "prometheus.yml"), $$"""
            global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s }
            rule_files: [alerts.yml]
            scrape_configs:
              - job_name: contestpipeline
                static_configs: [{ targets: [{{list}}] }]
            """);
        var info = new ProcessStartInfo(Tool("prometheus"))
            { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
                WorkingDirectory = home };
        foreach (var a in new[] { "--config.file=prometheus.yml", "--storage.tsdb.path=data",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start prometheus");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LocalPrometheus(process, new Uri($"http://127.0.0.1:{port}/"));
        await Eventually.UntilAsync(async () =>
        {
            if (process.HasExited)
                throw new InvalidOperationException($"prometheus exited with code {process.ExitCode}");
            try { return (await server._http.GetAsync("-/ready")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, $"prometheus ready on 127.0.0.1:{port} (installed? build/prometheus.sh)", TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>An instant query's result vector (each series' labels and value); throws on a query error.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, string Value)>> QueryAsync(string expr)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(expr));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
            throw new InvalidOperationException($"query {expr} failed: {body}");
        var data = body.GetProperty("data");
        if (data.GetProperty("resultType").GetString() == "scalar")
            return [([], data.GetProperty("result")[1].GetString()!)];
        return [.. data.GetProperty("result").EnumerateArray().Select(r => (
            r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            r.GetProperty("value")[1].GetString()!))];
    }

    /// <summary>Every rule the server evaluates, with its health ("ok", "err", "unknown") and last error.</summary>
    public async Task<IReadOnlyList<(string Name, string Health, string? Error)>> RulesAsync()
    {
        var body = await _http.GetFromJsonAsync<JsonElement>("api/v1/rules");
        return [.. body.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("health").GetString()!,
                r.TryGetProperty("lastError", out var e) ? e.GetString() : null))];
    }

    /// <summary>The scrape targets and their health ("up", "down", "unknown").</summary>
    public async Task<IReadOnlyList<(string Instance, string Health)>> TargetsAsync()
    {
        var body = await _http.GetFromJsonAsync<JsonElement>("api/v1/targets");
        return [.. body.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Select(t =>
                (t.GetProperty("labels").GetProperty("instance").GetString()!, t.GetProperty("health").GetString()!))];
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
