namespace ContestPipeline.Local.Processes;

/// <summary>
/// Starts a process that serves HTTP on a port chosen free here and bound by the child a moment
/// later, and waits until its <c>/healthz</c> answers. On a busy machine another process can take
/// the port in between: a bind lost that way (the child says "Address already in use" and exits)
/// is tried again on a new port, a few times; any other exit, or no answer in 60 s, is an error.
/// </summary>
public static class LocalListener
{
    private const int Attempts = 5;

    /// <param name="prepare">The process to start and the URL it will listen on; called again for each attempt.</param>
    /// <param name="what">What it is, for errors ("the console").</param>
    /// <param name="portChosenHere">False when the caller fixed the port: a taken one is not tried again.</param>
    public static async Task<(ChildProcess Process, Uri Url, T Prepared)> StartAsync<T>(
        Func<(LocalProcessSpec Spec, Uri Url, T Prepared)> prepare, string what, string logPath, bool portChosenHere,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        // It only asks whether the process answers on loopback: a local https listener has a certificate made for the
        // run.
        using var http = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator
        });
        for (var attempt = 1; ; attempt++)
        {
            var (spec, url, prepared) = prepare();
            var portTaken = false;
            var process = LocalServices.Start(spec, attempt == 1 ? logPath : $"{logPath}.{attempt}", line =>
            {
                if (line.Contains("Address already in use", StringComparison.Ordinal)) portTaken = true;
            });
            if (await AnswersAsync(http, process, url, what, ct)) return (process, url, prepared);
            await process.DisposeAsync();
            if (!(portChosenHere && portTaken && attempt < Attempts))
                throw new InvalidOperationException(
                    $"{what} exited with code {process.ExitCode}; see {process.LogPath}");
        }
    }

    /// <summary>True once it answers; false when it exited first; throws when it did not answer in 60 s.</summary>
    private static async Task<bool> AnswersAsync(HttpClient http, ChildProcess process, Uri url, string what,
        CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(ct);   // and its output read to the end
                return false;
            }
            try
            {
                if ((await http.GetAsync(new Uri(url, "/healthz"), ct)).IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow >= deadline)
            {
                await process.DisposeAsync();
                throw new TimeoutException($"{what} did not answer at {url} within 60 s; see {process.LogPath}");
            }
            await Task.Delay(100, ct);
        }
    }
}
