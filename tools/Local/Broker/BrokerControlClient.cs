using System.Net.Http.Json;

namespace ContestPipeline.Local.Broker;

/// <summary>HTTP client for the local broker's control endpoint (faults and topics).</summary>
public sealed class BrokerControlClient(string controlUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(controlUrl.TrimEnd('/') + "/"),
        Timeout = TimeSpan.FromSeconds(10) };

    public Task CreateTopicAsync(string topic, int partitions, int replicationFactor = 3) =>
        PostAsync($"topics/{Uri.EscapeDataString(topic)}?partitions={partitions}&replication={replicationFactor}");
    public Task BrokerDownAsync(int brokerId) => PostAsync($"brokers/{brokerId}/down");
    public Task BrokerUpAsync(int brokerId) => PostAsync($"brokers/{brokerId}/up");
    public Task SetLeaderAsync(string topic, int partition, int brokerId) =>
        PostAsync($"topics/{Uri.EscapeDataString(topic)}/partitions/{partition}/leader?broker={brokerId}");
    public Task SetInitialRebalanceDelayAsync(int ms) => PostAsync($"groups/initial-rebalance-delay?ms={ms}");
    public Task PushRequestErrorsAsync(short apiKey, params int[] errorCodes) =>
        PostAsync($"errors/{apiKey}?codes={string.Join(',', errorCodes)}");

    private async Task PostAsync(string path)
    {
        using var response = await _http.PostAsync(path, null);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();
            throw new InvalidOperationException(
                $"broker control {path}: {(int)response.StatusCode} {body?.GetValueOrDefault("error")}");
        }
    }

    public void Dispose() => _http.Dispose();
}
