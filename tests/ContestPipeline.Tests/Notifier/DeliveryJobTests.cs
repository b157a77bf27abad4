using System.Globalization;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Deployment;
using ContestPipeline.Notifier;
using ContestPipeline.Notifier.Channels;
using ContestPipeline.Notifier.Deliveries;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Local.Processes;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using MailKit.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContestPipeline.Tests.Notifier;

/// <summary>
/// The delivery job against real Postgres (the notifier's migrations in a schema of its own), a
/// real HTTP endpoint for the platform and Debian's SMTP server, on a clock the test moves: what
/// is retried when, what is dead-lettered, what is sent once.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class DeliveryJobTests(PipelineFixture fixture)
{
    private const string Secret = "platform-secret";

    [Fact]
    public async Task A_platform_that_keeps_failing_is_retried_on_the_schedule_then_the_delivery_is_dead_lettered()
    {
        await using var platform = await RecordingPlatformEndpoint.StartAsync();
        platform.AnswerAlways(500);
        await using var rig = await Rig.StartAsync(fixture, platform.Url, smtpPort: 9);
        await rig.RequestAsync(PlayerNotification("n1"));
        var started = rig.Clock.GetUtcNow();
        for (var attempt = 1; attempt <= DeliverySchedule.AttemptsMax; attempt++)
        {
            Assert.True(await rig.RunAsync(), $"attempt {attempt} was due");
            Assert.False(await rig.RunAsync(), $"nothing due right after attempt {attempt}");
            if (attempt < DeliverySchedule.AttemptsMax)
            {
                rig.Clock.Advance(DeliverySchedule.Delays[attempt - 1] - TimeSpan.FromSeconds(1));
                Assert.False(await rig.RunAsync(), $"attempt {attempt + 1} is not due a second early");
                rig.Clock.Advance(TimeSpan.FromSeconds(1));
            }
        }
        rig.Clock.Advance(TimeSpan.FromDays(30));
        Assert.False(await rig.RunAsync());

        var requests = platform.Requests;
        Assert.Equal(DeliverySchedule.AttemptsMax, requests.Count);
        Assert.All(requests, r => Assert.Equal("delivery:webhook:n1", r.DeliveryId));
        Assert.Equal([.. Enumerable.Range(1, requests.Count).Select(i => i.ToString(CultureInfo.InvariantCulture))],
            requests.Select(r => r.Attempt));
        // Each attempt signed at the clock's time of the attempt: the last one the schedule's span after the first.
        Assert.Equal(started.ToUnixTimeSeconds(), SignedAt(requests[0]));
        Assert.Equal((started + DeliverySchedule.Span).ToUnixTimeSeconds(), SignedAt(requests[^1]));
        Assert.All(requests, r => Assert.True(PlatformCallbackSignature.Verify(Secret, r.Signature, r.Body,
            DateTimeOffset.FromUnixTimeSeconds(SignedAt(r)))));
        Assert.Equal((DeliveryLifecycle.Name(DeliveryState.DeadLettered), DeliverySchedule.AttemptsMax),
            await rig.StateAsync("delivery:webhook:n1"));
        Assert.Equal(1, await rig.ScalarAsync<int>(
            "SELECT count(*) FROM notifier.outbox WHERE topic = 'alerts' " +
            "AND message_id LIKE '%notification_dead_lettered%'"));
    }

    [Fact]
    public async Task A_delivery_that_failed_once_is_sent_again_under_the_same_id_and_never_after_it_was_taken()
    {
        await using var platform = await RecordingPlatformEndpoint.StartAsync(503);
        await using var rig = await Rig.StartAsync(fixture, platform.Url, smtpPort: 9);
        await rig.RequestAsync(PlayerNotification("n2"));
        Assert.True(await rig.RunAsync());
        rig.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await rig.RunAsync());
        // The same notification again (a replay of the topic): already in the log, not sent again.
        await rig.RequestAsync(PlayerNotification("n2"));
        rig.Clock.Advance(TimeSpan.FromDays(4));
        Assert.False(await rig.RunAsync());

        Assert.Equal(["1", "2"], platform.Requests.Select(r => r.Attempt));
        Assert.All(platform.Requests, r => Assert.Equal("delivery:webhook:n2", r.DeliveryId));
        var sent = platform.Requests[1].Notification;
        Assert.Equal(("delivery:webhook:n2", "ada", "payout_sent"), (sent.DeliveryId, sent.PlayerId, sent.Kind));
        Assert.Equal((DeliveryLifecycle.Name(DeliveryState.Delivered), 2), await rig.StateAsync("delivery:webhook:n2"));
    }

    [Fact]
    public async Task Operators_get_email_through_a_real_SMTP_server_once_it_is_up()
    {
        var port = LocalConsole.FreePort();
        await using var platform = await RecordingPlatformEndpoint.StartAsync();
        await using var rig = await Rig.StartAsync(fixture, platform.Url, port);
        await rig.RequestAsync(
            new NotificationRequested("n3", NotificationRequested.Operators, NotificationRequested.Operators,
            "critical_alert", "critical", "Payouts halted", "Automated payouts stopped: 3 disputes in 24 hours.",
            "alert:payout:halt:1", rig.Clock.GetUtcNow()));
        // No SMTP server yet: the attempt fails and waits its minute.
        Assert.True(await rig.RunAsync());
        Assert.Equal((DeliveryLifecycle.Name(DeliveryState.Pending), 1), await rig.StateAsync("delivery:email:n3"));
        await using var smtp = await LocalSmtpServer.StartAsync(fixture.WorkDirectory, port);
        rig.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await rig.RunAsync());

        var mail = Assert.Single(smtp.Messages());
        Assert.Equal("Payouts halted", mail.Subject);
        Assert.Equal(["ops@example.test", "oncall@example.test"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("3 disputes in 24 hours", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("delivery:email:n3", mail.Headers["X-ContestPipeline-Delivery-Id"]);
        Assert.Equal((DeliveryLifecycle.Name(DeliveryState.Delivered), 2), await rig.StateAsync("delivery:email:n3"));
        Assert.Empty(platform.Requests);
    }

    private static long SignedAt(RecordingPlatformEndpoint.Request r) =>
        long.Parse(r.Signature.Split(',')[0]["t=".Length..], CultureInfo.InvariantCulture);

    private static NotificationRequested PlayerNotification(string id) =>
        new(id, NotificationRequested.Player, "ada", "payout_sent", "info", "26.19 USD is on its way",
            "Your prize from sunday was sent to your account.", "payout:prize_x:transferred",
            new DateTimeOffset(2026, 11, 22, 13, 11, 1, TimeSpan.Zero));

    /// <summary>The notifier's schema in a database of its own, its job and its handler on a manual clock.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _data;
        private readonly DeliverNotificationsJob _job;
        private readonly JobContext _context;
        private readonly HttpClient _http = new();
        private readonly Func<Task> _drop;

        private Rig(NpgsqlDataSource data, NotifierOptions options, Func<Task> drop)
        {
            _data = data;
            _drop = drop;
            _job = new DeliverNotificationsJob(options, new EmailSender(options),
                new PlatformCallbackSender(options, _http, Clock),
                new CrashPoints(null), NullLogger<DeliverNotificationsJob>.Instance);
            _context = new JobContext(data, new OutboxStore(Workers.Notifier.Name), Clock);
        }

        public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

        public static async Task<Rig> StartAsync(PipelineFixture fixture, Uri platform, int smtpPort)
        {
            // The store names its schema (notifier), as every worker's does: a database of the rig's own holds it.
            var name = "contestpipeline_notify_" + Guid.NewGuid().ToString("N")[..10];
            var cs = await LocalPostgres.CreateDatabaseAsync(fixture.PostgresConnectionString, name);
            var data = NpgsqlDataSource.Create(cs);
            await new Migrator(data, Workers.Notifier.Name, Workers.Notifier.AllMigrations, NullLogger.Instance)
                .ApplyAsync(CancellationToken.None);
            DapperDefaults.Apply();
            var options = new NotifierOptions
            {
                SmtpHost = "127.0.0.1", SmtpPort = smtpPort, SmtpSecurity = SecureSocketOptions.None,
                From = "contestpipeline@example.test", OperatorsEmail = ["ops@example.test", "oncall@example.test"],
                PlatformWebhookUrl = platform, PlatformWebhookSecret = Secret,
                AttemptTimeout = TimeSpan.FromSeconds(10),
            };
            return new Rig(data, options, () => fixture.DropDatabaseAsync(name));
        }

        public async Task RequestAsync(NotificationRequested n)
        {
            await using var conn = await _data.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await new NotificationRequestedHandler()
                .HandleAsync(n, new HandlerContext(conn, tx, Clock), CancellationToken.None);
            await tx.CommitAsync();
        }

        public Task<bool> RunAsync() => _job.RunAsync(_context, CancellationToken.None);

        public async Task<T> ScalarAsync<T>(string sql)
        {
            await using var conn = await _data.OpenConnectionAsync();
            return (await conn.ExecuteScalarAsync<T>(sql))!;
        }

        public async Task<(string State, int Attempts)> StateAsync(string deliveryId)
        {
            await using var conn = await _data.OpenConnectionAsync();
            return await conn.QuerySingleAsync<(string, int)>(
                "SELECT state, attempts FROM notifier.deliveries WHERE delivery_id = @deliveryId", new { deliveryId });
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _data.DisposeAsync();
            await _drop();
        }
    }
}
