using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Operations.Queries.Contests;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Local.EntryApi;

/// <summary>What a player asks for: an entry into a contest, optionally paying another amount than its fee.</summary>
public sealed record EntryRequest(string ContestId, string PlayerId, IReadOnlyList<string>? Lineup, long? AmountMinor,
    string? Currency);

/// <summary>
/// cpdev enter: plays the entry API against the stack <c>cpdev up</c> keeps up, as a player's
/// checkout would. It pays the contest's fee in the Stripe-compatible server (a PaymentIntent
/// that succeeds, whose <c>payment_intent.succeeded</c> the server delivers to the webhook
/// receiver), submits the entry on <c>entries</c> signed as the <c>entry-api</c> producer, and
/// waits for Ingestion's decision as the operations read model records it.
/// </summary>
public static class EnterCommand
{
    public const int ExitAccepted = 0;
    public const int ExitRefused = 1;

    public static async Task<int> RunAsync(string stackFile, EntryRequest request, TimeSpan wait, CancellationToken ct)
    {
        var stack = LocalStack.TryRead(stackFile);
        if (stack is null)
            return await FailAsync($"no local stack described at {stackFile}: start one with ./run up "
                + $"(it writes that file while it runs)");
        DapperDefaults.Apply();
        await using var db = NpgsqlDataSource.Create(stack.Postgres);
        var queries = new ContestReadStore(db);
        var contest = await queries.ContestAsync(request.ContestId);
        if (contest?.EntryFeeMinor is not { } fee || contest.Currency is not { } currency)
            return await FailAsync(
                $"contest {request.ContestId} is not scheduled in the read model at {stack.ConsoleUrl}: define it " +
                "(the console, or ./run cpctl contests define FILE) and wait until it shows as SCHEDULED");
        var amount = request.AmountMinor ?? fee;
        var paidIn = request.Currency ?? currency;

        var paymentIntent = await PayAsync(stack, request, amount, paidIn, ct);
        Console.WriteLine(
            $"paid:      {paymentIntent}, {Money.Format(amount, paidIn.ToUpperInvariant())} by {request.PlayerId} " +
            $"for {request.ContestId} (the Stripe-compatible server at {stack.StripeUrl})");
        var submissionId = "sub_" + Guid.NewGuid().ToString("N")[..16];
        await SubmitAsync(stack, request, submissionId, paymentIntent, ct);
        Console.WriteLine($"submitted: {submissionId} on {Topics.Entries}, signed as {Producers.EntryApi}");

        return await AwaitDecisionAsync(queries, request.ContestId, paymentIntent, wait, ct);
    }

    /// <summary>A PaymentIntent that succeeds, with the metadata Ingestion checks: this contest and this
    /// player.</summary>
    private static async Task<string> PayAsync(LocalStack stack, EntryRequest request, long amount, string currency,
        CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = stack.StripeUrl };
        var body = new
        {
            amount, currency = currency.ToLowerInvariant(), status = "succeeded",
            metadata = new Dictionary<string, string> { [PaymentMetadata.ContestId] = request.ContestId,
                [PaymentMetadata.PlayerId] = request.PlayerId },
        };
        using var response = await http.PostAsJsonAsync("_emulator/payment_intents", body, ct);
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        return created?["id"]?.GetValue<string>()
            ?? throw new InvalidOperationException("the Stripe-compatible server answered without a PaymentIntent id");
    }

    private static async Task SubmitAsync(LocalStack stack, EntryRequest request, string submissionId,
        string paymentIntent, CancellationToken ct)
    {
        using var entryApi = new DecisionPublisher(stack.BootstrapServers, "cpdev-enter",
            LocalSigningKeys.Keys.SignerFor(Producers.EntryApi), NullLogger.Instance);
        var now = DateTimeOffset.UtcNow;
        var entry = new EntrySubmitted(submissionId, request.ContestId, request.PlayerId, paymentIntent,
            request.Lineup, now);
        await entryApi.PublishAsync(Topics.Entries, request.ContestId, "sub:" + submissionId, entry, now, ct);
    }

    /// <summary>Ingestion decides once the payment is known (its event, or a GET when the event is late); the read
    /// model then shows it.</summary>
    private static async Task<int> AwaitDecisionAsync(ContestReadStore queries, string contestId, string paymentIntent,
        TimeSpan wait, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < wait)
        {
            var (entryId, rejection) = await queries.SubmissionOutcomeAsync(contestId, paymentIntent);
            if (entryId is not null)
            {
                Console.WriteLine($"accepted:  entry {entryId} ({clock.Elapsed.TotalSeconds:0.0} s)");
                return ExitAccepted;
            }
            if (rejection is not null)
            {
                Console.WriteLine(
                    $"rejected:  {rejection} ({clock.Elapsed.TotalSeconds:0.0} s; a paid rejected entry is refunded)");
                return ExitRefused;
            }
            await Task.Delay(250, ct);
        }
        return await FailAsync($"no decision on {paymentIntent} within {wait.TotalSeconds:0} s: "
            + $"see the contest's timeline in the console");
    }

    private static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync("enter: " + message);
        return ExitRefused;
    }
}
