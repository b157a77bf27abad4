using System.Runtime.CompilerServices;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ContestPipeline.Stripe;

/// <summary>
/// Stripe through Stripe.net, as every process that calls Stripe holds it: Stripe.net's client
/// (its services, its request encoding and its types, its pinned API version) on an HttpClient
/// whose <see cref="StripeRateBudgetHandler"/> spends this process's share of the account's rate
/// budget and counts and traces every attempt. Around each call, one retry policy on the injected
/// clock (Polly: exponential backoff with jitter, a timeout per attempt) retries what is worth
/// retrying (409, 429, 5xx, no answer: <see cref="StripeFailure.IsRetryable"/>) under the same
/// Idempotency-Key, so a retried POST returns the first result instead of acting twice. Stripe.net's
/// own retries are off (it would stack its fixed delays under these, and does not retry a 429).
/// Every failure reaches the caller as a <see cref="StripeFailure"/>, and an answer that lacks a
/// field the pipeline relies on is an unreadable one (<see cref="StripeAnswers"/>).
/// </summary>
public sealed class StripeApi : IDisposable
{
    /// <summary>Stripe's largest page size.</summary>
    public const int ListLimitMax = 100;

    /// <summary>Stripe's longest idempotency key.</summary>
    public const int IdempotencyKeyLengthMax = 255;

    /// <summary>Most pages one listing follows; a transfer group is one contest's payouts, far fewer.</summary>
    public const int ListPagesMax = 1_000;

    private static readonly ResiliencePropertyKey<string> OperationKey = new("stripe.operation");

    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly int _attemptsMax;

    /// <param name="transport">What sends the requests (tests answer from memory); sockets when null.</param>
    public StripeApi(StripeSettings settings, TimeProvider clock, ILogger<StripeApi> logger,
        HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _attemptsMax = settings.AttemptsMax;
        // Pooled, the bucket earns nothing until the pool has counted this instance (StripeBudget.PooledRate).
        Budget = new TokenBucket(settings.PoolRequestsPerSecond is null ? settings.RequestsPerSecond : 0,
            settings.RequestBurst, clock);
        var budget = new StripeRateBudgetHandler(Budget)
        {
            InnerHandler = transport ?? new SocketsHttpHandler(),
        };
        // Each attempt is bounded by the policy's timeout on the injected clock, not the HttpClient's.
        _http = new HttpClient(budget) { Timeout = Timeout.InfiniteTimeSpan };
        var apiBase = settings.BaseAddress.ToString().TrimEnd('/');
        Client = new global::Stripe.StripeClient(new global::Stripe.StripeClientOptions
        {
            ApiKey = settings.SecretKey,
            ApiBase = apiBase,
            ConnectBase = apiBase,
            HttpClient = new global::Stripe.SystemNetHttpClient(_http, maxNetworkRetries: 0, enableTelemetry: false),
        });
        _pipeline = Pipeline(settings, clock, logger);
    }

    /// <summary>This process's share of the account's rate: every attempt takes a token from it.</summary>
    public TokenBucket Budget { get; }

    /// <summary>Stripe.net's client: the services every call goes through (<c>Client.V1.Transfers</c>, ...).</summary>
    public global::Stripe.StripeClient Client { get; }

    /// <summary>
    /// A read (GET): Stripe ignores idempotency keys on reads, and reading twice is harmless.
    /// <paramref name="operation"/> names the call in logs and failures ("GET /v1/balance").
    /// </summary>
    public Task<T> ReadAsync<T>(string operation,
        Func<global::Stripe.StripeClient, global::Stripe.RequestOptions, CancellationToken, Task<T>> call,
        CancellationToken ct = default) =>
        RunAsync(operation, null, call, ct);

    /// <summary>
    /// A read of one object that may not exist: what Stripe has (<see cref="StripeLookup{T}.Found"/>), nothing when
    /// Stripe does not know it (<c>resource_missing</c>), or why its answer could not be read. A failure worth trying
    /// again (<see cref="StripeFailure.IsRetryable"/>) is thrown as a transient dependency failure, and any other as
    /// it is.
    /// </summary>
    public async Task<StripeLookup<T>> LookUpAsync<T>(string operation,
        Func<global::Stripe.StripeClient, global::Stripe.RequestOptions, CancellationToken, Task<T>> call,
        CancellationToken ct = default) where T : class
    {
        try
        {
            return new StripeLookup<T>(await ReadAsync(operation, call, ct), null);
        }
        catch (StripeFailure e) when (e.Code == StripeErrorCodes.ResourceMissing)
        {
            return new StripeLookup<T>(null, null);
        }
        catch (StripeFailure e) when (e.IsRetryable)
        {
            throw new TransientDependencyException("Stripe", e);
        }
        catch (StripeFailure e) when (e.IsUnreadableAnswer)
        {
            return new StripeLookup<T>(null, e.Message);
        }
    }

    /// <summary>
    /// A call that changes something, under <paramref name="idempotencyKey"/> (derived by the caller
    /// from the fact acted on: the payout id, the refund id), which every retry carries.
    /// </summary>
    public Task<T> WriteAsync<T>(string operation, string idempotencyKey,
        Func<global::Stripe.StripeClient, global::Stripe.RequestOptions, CancellationToken, Task<T>> call,
        CancellationToken ct = default)
    {
        // A POST is only ever retried under its idempotency key, so it must have one.
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idempotencyKey.Length, IdempotencyKeyLengthMax,
            nameof(idempotencyKey));
        return RunAsync(operation, idempotencyKey, call, ct);
    }

    /// <summary>
    /// Every transfer of a transfer group, newest first, page by page (each page a read under the
    /// retry policy). This is how a payout whose idempotency key Stripe may have forgotten (older
    /// than 24 hours) is looked up before anything is sent again. With <paramref name="destination"/>, only those to
    /// that account: a few pages of a contest of 75,500 prizes instead of 755.
    /// </summary>
    public async IAsyncEnumerable<global::Stripe.Transfer> TransfersInGroupAsync(string transferGroup,
        int pageSize = ListLimitMax, string? destination = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, ListLimitMax);
        string? after = null;
        for (var page = 0; page < ListPagesMax; page++)
        {
            var list = await ReadAsync("GET /v1/transfers", (s, o, t) =>
                s.V1.Transfers.ListAsync(new global::Stripe.TransferListOptions
            {
                TransferGroup = transferGroup, Destination = destination, Limit = pageSize, StartingAfter = after,
            }, o, t), ct);
            foreach (var transfer in list.Data) yield return transfer;
            if (!list.HasMore || list.Data.Count == 0) yield break;
            after = list.Data[^1].Id;
        }
        throw new InvalidOperationException($"transfer group {transferGroup} has more than {ListPagesMax} pages of " +
            "transfers");
    }

    /// <summary>Most pages one listing since a time follows: 2,000,000 objects, far more than 48 hours hold.</summary>
    public const int SincePagesMax = 20_000;

    /// <summary>
    /// Every transfer created at or after <paramref name="since"/> (Stripe's clock), newest first, page by page: how a
    /// restored Payout learns what was transferred after its copy was taken.
    /// </summary>
    public IAsyncEnumerable<global::Stripe.Transfer> TransfersCreatedSinceAsync(DateTimeOffset since,
        CancellationToken ct = default) =>
        PagesSinceAsync("GET /v1/transfers", (after, s, o, t) => s.V1.Transfers.ListAsync(
            new global::Stripe.TransferListOptions
            {
                Created = new global::Stripe.DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
                Limit = ListLimitMax, StartingAfter = after,
            }, o, t), t => t.Id, ct);

    /// <summary>
    /// Every refund created at or after <paramref name="since"/>, as <see cref="TransfersCreatedSinceAsync"/>.
    /// </summary>
    public IAsyncEnumerable<global::Stripe.Refund> RefundsCreatedSinceAsync(DateTimeOffset since,
        CancellationToken ct = default) =>
        PagesSinceAsync("GET /v1/refunds", (after, s, o, t) => s.V1.Refunds.ListAsync(
            new global::Stripe.RefundListOptions
            {
                Created = new global::Stripe.DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
                Limit = ListLimitMax, StartingAfter = after,
            }, o, t), r => r.Id, ct);

    /// <summary>
    /// Every dispute created at or after <paramref name="since"/>, as <see cref="TransfersCreatedSinceAsync"/>.
    /// </summary>
    public IAsyncEnumerable<global::Stripe.Dispute> DisputesCreatedSinceAsync(DateTimeOffset since,
        CancellationToken ct = default) =>
        PagesSinceAsync("GET /v1/disputes", (after, s, o, t) => s.V1.Disputes.ListAsync(
            new global::Stripe.DisputeListOptions
            {
                Created = new global::Stripe.DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
                Limit = ListLimitMax, StartingAfter = after,
            }, o, t), d => d.Id, ct);

    private async IAsyncEnumerable<T> PagesSinceAsync<T>(string operation,
        Func<string?, global::Stripe.StripeClient, global::Stripe.RequestOptions, CancellationToken,
            Task<global::Stripe.StripeList<T>>> page,
        Func<T, string> idOf, [EnumeratorCancellation] CancellationToken ct)
    {
        string? after = null;
        for (var n = 0; n < SincePagesMax; n++)
        {
            var list = await ReadAsync(operation, (s, o, t) => page(after, s, o, t), ct);
            foreach (var item in list.Data) yield return item;
            if (!list.HasMore || list.Data.Count == 0) yield break;
            after = idOf(list.Data[^1]);
        }
        throw new InvalidOperationException($"{operation} has more than {SincePagesMax} pages since the time asked");
    }

    private async Task<T> RunAsync<T>(string operation, string? idempotencyKey,
        Func<global::Stripe.StripeClient, global::Stripe.RequestOptions, CancellationToken, Task<T>> call,
        CancellationToken ct)
    {
        var options = new global::Stripe.RequestOptions { IdempotencyKey = idempotencyKey };
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(OperationKey, idempotencyKey is null ? operation
            : $"{operation} [Idempotency-Key {idempotencyKey}]");
        try
        {
            var answer = await _pipeline.ExecuteAsync(static async (ctx, state) =>
                await state.call(state.Client, state.options, ctx.CancellationToken), context, (call, options, Client));
            StripeAnswers.Check(answer, operation);
            return answer;
        }
        catch (Exception e) when (StripeFailure.Classify(e, operation, ct) is { } failure
            && !ReferenceEquals(failure, e))
        {
            throw failure.HttpStatus == 0 && failure.IsRetryable
                ? new StripeFailure(0, StripeErrorTypes.ApiConnectionError, null, null, null,
                    $"no answer from Stripe for {operation} after {_attemptsMax} attempts: {e.Message}", null,
                    isRetryable: true, e)
                : failure;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// The one retry policy: retryable failures again under the same key, each attempt under its timeout.
    /// </summary>
    private static ResiliencePipeline Pipeline(StripeSettings settings, TimeProvider clock, ILogger logger)
    {
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock };
        if (settings.AttemptsMax > 1)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.AttemptsMax - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelayBase,
                MaxDelay = settings.RetryDelayMax,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e
                    && StripeFailure.Classify(e, "", args.Context.CancellationToken) is { IsRetryable: true }),
                OnRetry = args =>
                {
                    var failure = StripeFailure.Classify(args.Outcome.Exception!, "", args.Context.CancellationToken);
                    logger.LogWarning("Stripe {Operation} attempt {Attempt} failed ({Failure}); retrying in " +
                        "{DelayMs} ms",
                        args.Context.Properties.GetValue(OperationKey, "?"), args.AttemptNumber + 1,
                        failure is { HttpStatus: > 0 } ? $"HTTP {failure.HttpStatus}, request {failure.RequestId}"
                            : args.Outcome.Exception!.Message,
                        (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }
        return pipeline.AddTimeout(settings.AttemptTimeout).Build();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// What <see cref="StripeApi.LookUpAsync{T}"/> found: the object, or neither it nor a problem (Stripe does not know
/// it), or why Stripe's answer could not be read.
/// </summary>
public sealed record StripeLookup<T>(T? Found, string? Unreadable) where T : class;
