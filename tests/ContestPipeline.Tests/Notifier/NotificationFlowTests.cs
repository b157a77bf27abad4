using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Notifications;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Demo;
using ContestPipeline.Local.Processes;
using ContestPipeline.Notifier.Channels;
using ContestPipeline.Notifier.Deliveries;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.WebConsole;

namespace ContestPipeline.Tests.Notifier;

/// <summary>
/// The notification sender as a process in the console's stack (a contest settled and paid
/// through every worker): players' notifications reach the platform's endpoint signed, once per
/// delivery id; a critical alert reaches the operators' mailbox on Debian's SMTP server.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class NotificationFlowTests(ConsoleFixture fixture)
{
    private OperationsStack Stack => fixture.Stack;

    [Fact]
    public async Task Every_players_notification_reaches_the_platform_signed_and_once()
    {
        // What the read model asked for: a forged notice on the topic (another test's) is refused, never delivered.
        var asked = Stack.World.Read(Topics.Notifications)
            .Where(m => m.Headers.GetValueOrDefault(MessageHeaders.Producer) == Producers.Operations)
            .Select(m => m.Body.Deserialize<NotificationRequested>(JsonSerializerOptions.Web)!)
            .Where(n => n.Audience == NotificationRequested.Player).ToList();
        Assert.Contains(asked, n => n.Kind == "entry_accepted" && n.Recipient == "ada");
        // Less those the platform was told to refuse (the console's view of a failing delivery).
        var expected = asked.Select(n => Delivery.IdFor(DeliveryChannels.Webhook, n.NotificationId))
            .Except(Stack.Platform.Refused).ToHashSet();
        await Stack.WaitAsync(() =>
            Task.FromResult(expected.IsSubsetOf(Stack.Platform.Requests.Select(r => r.DeliveryId))),
            $"{expected.Count} players' notifications at the platform");

        var received = Stack.Platform.Requests.Where(r => expected.Contains(r.DeliveryId)).ToList();
        // The endpoint answered 200 every time: nothing is sent twice.
        Assert.Equal(expected.Count, received.Count);
        Assert.All(received, r =>
            Assert.True(PlatformCallbackSignature.Verify(Stack.Swaps.PlatformWebhookSecret, r.Signature, r.Body, r.At),
            $"{r.DeliveryId}'s signature checks with the shared secret"));
        Assert.All(received, r => Assert.Equal(r.DeliveryId, r.Notification.DeliveryId));
        var ada = received.Select(r => r.Notification).Where(n => n.PlayerId == "ada").Select(n => n.Kind).ToHashSet();
        Assert.Contains("entry_accepted", ada);
        await Stack.WaitAsync(async () => await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM notifier.deliveries WHERE delivery_id = ANY(@ids) AND state = 'delivered'",
            new { ids = expected.ToArray() }) == expected.Count, "the delivery log says delivered");
    }

    [Fact]
    public async Task A_notification_the_read_model_did_not_sign_is_refused_and_never_reaches_the_platform()
    {
        var id = "notify:payout_sent:forged:" + Guid.NewGuid().ToString("N")[..8];
        Stack.World.PublishAs(null, Topics.Notifications, "ada", NotificationRequested.MessageType, id,
            new NotificationRequested(id, NotificationRequested.Player, "ada", "payout_sent", "info",
                "Claim your prize",
                "Sign in at https://prize.example to claim it.", id, DateTimeOffset.UtcNow));
        var dead = await Eventually.UntilAsync<OutsideWorld.Published?>(() =>
            Stack.World.Read(Topics.DeadLetter(Topics.Notifications))
                .FirstOrDefault(m => m.Body.GetProperty("notificationId").GetString() == id), m => m is not null,
            "the forged notification dead-lettered by the sender", TimeSpan.FromSeconds(60));
        Assert.StartsWith(MessageVerifier.Refused, dead!.Headers[MessageHeaders.DeadLetterReason],
            StringComparison.Ordinal);
        Assert.Equal(0, await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM notifier.deliveries WHERE notification_id = @id", new { id }));
        Assert.DoesNotContain(Stack.Platform.Requests,
            r => r.DeliveryId == Delivery.IdFor(DeliveryChannels.Webhook, id));
    }

    [Fact]
    public async Task A_critical_alert_reaches_the_operators_mailbox()
    {
        var id = "alert:payout:payouts_stuck:" + Guid.NewGuid().ToString("N")[..8];
        Stack.World.PublishAs(Producers.Payout, Topics.Alerts, "payout", AlertRaised.MessageType, id,
            new AlertRaised(id, "payout", AlertSeverities.Critical, "payouts_stuck", "payouts",
                "No payout has moved for an hour.", DateTimeOffset.UtcNow));
        var mail = await Eventually.UntilAsync(() => Stack.Smtp.Messages().FirstOrDefault(m =>
                (m.TextBody ?? "").Contains("No payout has moved for an hour.", StringComparison.Ordinal)),
                m => m is not null,
            "the critical alert's email on the SMTP server", TimeSpan.FromSeconds(90));
        Assert.Equal([OperationsStack.OperatorsEmail, OperationsStack.OnCallEmail],
            mail!.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("[CRITICAL] payouts_stuck: payouts", mail.Subject);
        var deliveryId = mail.Headers["X-ContestPipeline-Delivery-Id"];
        Assert.Equal(Delivery.IdFor(DeliveryChannels.Email, NotificationRequested.MessageIdFor("critical_alert", id)),
            deliveryId);
        await Stack.WaitAsync(async () => await Stack.ScalarAsync<string>(
            "SELECT state FROM notifier.deliveries WHERE delivery_id = @deliveryId", new { deliveryId }) == "delivered",
            "the email delivery logged as delivered");
    }

    [Fact]
    public async Task A_warning_reaches_only_the_operators_who_take_warnings_and_an_info_alert_is_not_emailed()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var info = "alert:payout:restore_reconciled:" + suffix;
        Stack.World.PublishAs(Producers.Payout, Topics.Alerts, "payout", AlertRaised.MessageType, info,
            new AlertRaised(info, "payout", AlertSeverities.Info, "restore_reconciled", "restore",
                $"Reconciled {suffix}.", DateTimeOffset.UtcNow));
        await Stack.WaitAsync(async () => await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.alerts WHERE alert_id = @info", new { info }) == 1,
            "the info alert recorded");
        // Operators' notifications share one key (one partition): any the info alert asked for is logged before the
        // warning's is delivered.
        var warning = "alert:payout:payout_held_review:" + suffix;
        Stack.World.PublishAs(Producers.Payout, Topics.Alerts, "payout", AlertRaised.MessageType, warning,
            new AlertRaised(warning, "payout", AlertSeverities.Warning, "payout_held_review", "prize_" + suffix,
                $"Payout prize_{suffix} waits for an operator's release.", DateTimeOffset.UtcNow));
        var mail = await Eventually.UntilAsync(() => Stack.Smtp.Messages().FirstOrDefault(m =>
                (m.TextBody ?? "").Contains($"prize_{suffix} waits", StringComparison.Ordinal)), m => m is not null,
            "the warning's email on the SMTP server", TimeSpan.FromSeconds(90));
        Assert.Equal([OperationsStack.OperatorsEmail], mail!.To.Mailboxes.Select(m => m.Address));
        Assert.Equal($"[WARNING] payout_held_review: prize_{suffix}", mail.Subject);
        Assert.Equal(0, await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM notifier.deliveries WHERE notification_id LIKE @like", new { like = "%" + info }));
        Assert.DoesNotContain(Stack.Smtp.Messages(),
            m => (m.TextBody ?? "").Contains($"Reconciled {suffix}.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task
    An_alert_under_another_services_name_or_id_is_refused_and_one_sent_first_under_its_id_does_not_keep_it_from_paging()
    {
        // Alerts are signed: Ingestion's key raises no alert as Payout (to page with its own text), and takes no id of
        // Payout's under its own name (to answer a genuine critical alert first with a harmless one).
        var id = "alert:payout:second_transfer:" + Guid.NewGuid().ToString("N")[..8];
        string[] forged = ["forged-source:" + id, "forged-id:" + id];
        Stack.World.PublishAs(Producers.Ingestion, Topics.Alerts, "payout", AlertRaised.MessageType, forged[0],
            new AlertRaised(id, "payout", AlertSeverities.Critical, "second_transfer", "payouts", $"[forged] {id}",
                DateTimeOffset.UtcNow));
        Stack.World.PublishAs(Producers.Ingestion, Topics.Alerts, "ingestion", AlertRaised.MessageType, forged[1],
            new AlertRaised(id, "ingestion", AlertSeverities.Info, "second_transfer", "payouts", "All is well.",
                DateTimeOffset.UtcNow));
        var dead = await Eventually.UntilAsync(() => Stack.World.Read(Topics.DeadLetter(Topics.Alerts))
                .Where(m => forged.Contains(m.Headers[MessageHeaders.MessageId])).ToList(), d => d.Count == 2,
            "both forged alerts dead-lettered", TimeSpan.FromSeconds(60));
        Assert.All(dead, d =>
            Assert.Contains($"was signed by {Producers.Ingestion}: a service raises alerts only under its own name",
            d.Headers[MessageHeaders.DeadLetterReason], StringComparison.Ordinal));
        // Each refusal is itself a critical alert, Operations' own.
        await Eventually.UntilAsync(() => Stack.World.Read(Topics.Alerts)
            .Count(a => a.Body.GetProperty("code").GetString() == "dead_letter"
                && a.Body.GetProperty("severity").GetString() == AlertSeverities.Critical
                && forged.Any(f => a.Body.GetProperty("subject")
                    .GetString()!.StartsWith($"{Topics.Alerts}/{f}", StringComparison.Ordinal))),
            n => n == 2, "a critical alert for each refusal", TimeSpan.FromSeconds(60));

        // The service itself may send twice under one id (a harmless info first): the genuine critical one still pages.
        Stack.World.PublishAs(Producers.Payout, Topics.Alerts, "payout", AlertRaised.MessageType, id,
            new AlertRaised(id, "payout", AlertSeverities.Info, "second_transfer", "payouts", "All is well.",
                DateTimeOffset.UtcNow));
        await Stack.WaitAsync(async () => await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.alerts WHERE alert_id = @id", new { id }) == 1, "the info alert recorded");
        Stack.World.PublishAs(Producers.Payout, Topics.Alerts, "payout", AlertRaised.MessageType, id,
            new AlertRaised(id, "payout", AlertSeverities.Critical, "second_transfer", "payouts",
                $"A second transfer went out for {id}.", DateTimeOffset.UtcNow));

        var mail = await Eventually.UntilAsync(() => Stack.Smtp.Messages().FirstOrDefault(m =>
                (m.TextBody ?? "").Contains($"A second transfer went out for {id}.", StringComparison.Ordinal)),
            m => m is not null, "the genuine critical alert's email", TimeSpan.FromSeconds(90));
        Assert.Contains("second_transfer", mail!.Subject, StringComparison.Ordinal);
        Assert.Equal("critical", await Stack.ScalarAsync<string>(
            "SELECT severity FROM operations.alerts WHERE alert_id = @id", new { id = id + "#critical" }));
        Assert.Equal("info", await Stack.ScalarAsync<string>(
            "SELECT severity FROM operations.alerts WHERE alert_id = @id", new { id }));
        Assert.Equal(0, await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.alerts WHERE message LIKE '[forged]%'"));
        Assert.DoesNotContain(Stack.Smtp.Messages(),
            m => (m.TextBody ?? "").Contains("[forged]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_source_raising_alerts_by_the_hundred_is_emailed_up_to_its_hours_budget_then_once_as_a_flood()
    {
        // Twice the budget and one: whichever hours they fall in, one hour takes more than its budget. Scoring's name,
        // which no other case here waits for an email from.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 2 * OperationsStack.AlertEmailsPerSourcePerHour + 1)
            .Select(i => $"alert:scoring:flood_{suffix}:{i}").ToList();
        foreach (var id in ids)
            Stack.World.PublishAs(Producers.Scoring, Topics.Alerts, "scoring", AlertRaised.MessageType, id,
                new AlertRaised(id, "scoring", AlertSeverities.Warning, "lagging", id, $"Flood {id}.",
                    DateTimeOffset.UtcNow));
        await Stack.WaitAsync(async () => await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM operations.alerts WHERE alert_id = ANY(@ids) AND state = 'open'",
            new { ids = ids.ToArray() }) == ids.Count, "every alert of the flood on the console");

        // The flood's notice is published by the outbox after the alerts' rows commit: waited for on the topic.
        var about = ids.ToHashSet();
        var asked = await Eventually.UntilAsync(() => Stack.World.Read(Topics.Notifications)
            .Where(m => m.Headers.GetValueOrDefault(MessageHeaders.Producer) == Producers.Operations)
            .Select(m => m.Body.Deserialize<NotificationRequested>(JsonSerializerOptions.Web)!)
            .Where(n => about.Contains(n.AboutMessageId)).ToList(), a => a.Any(n => n.Kind == "alert_flood"),
            "the flood's notice on notifications");
        var floods = asked.Where(n => n.Kind == "alert_flood").ToList();
        Assert.InRange(floods.Count, 1, 2);
        Assert.All(floods, f => Assert.Equal(AlertSeverities.Critical, f.Severity));
        // Scoring's own alerts in this stack, if any, take from the same budget: none of these need have been emailed.
        Assert.InRange(asked.Count(n => n.Kind == "warning_alert"), 0, 2 * OperationsStack.AlertEmailsPerSourcePerHour);
        Assert.True(asked.Count < ids.Count, $"{asked.Count} emails asked for {ids.Count} alerts");
        var mail = await Eventually.UntilAsync(() => Stack.Smtp.Messages().FirstOrDefault(m =>
                (m.TextBody ?? "").Contains(floods[0].Text, StringComparison.Ordinal)), m => m is not null,
            "the flood's notice on the SMTP server", TimeSpan.FromSeconds(90));
        Assert.Equal("[CRITICAL] alert_flood: scoring", mail!.Subject);
    }

    [Fact]
    public async Task Cpctl_notifications_shows_what_was_delivered_and_refuses_an_unknown_state()
    {
        var deliveryId = await Eventually.UntilAsync<string?>(() => Stack.ScalarAsync<string?>(
                "SELECT delivery_id FROM notifier.deliveries WHERE state = 'delivered' AND channel = 'webhook' " +
                "ORDER BY requested_at DESC, delivery_id LIMIT 1"),
            id => id is not null, "a delivered webhook in the log");
        var (code, lines) = await CpctlAsync("notifications", "--state", "delivered");
        Assert.Equal(0, code);
        Assert.Contains(lines, l => l.Contains(deliveryId!, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("webhook", StringComparison.Ordinal)
            && l.Contains("delivered", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("pending", StringComparison.Ordinal)
            && l.Contains(deliveryId!, StringComparison.Ordinal));
        var (refused, why) = await CpctlAsync("notifications", "--state", "lost");
        Assert.Equal(2, refused);
        Assert.Contains(why,
            l => l.Contains("'lost' is not one of pending, delivered, dead_lettered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_console_shows_the_delivery_log_by_state()
    {
        // A player's notification the platform refuses every time: still pending, to be tried again, its last error
        // kept.
        var id = NotificationRequested.MessageIdFor("payout_sent", "refused-" + Guid.NewGuid().ToString("N")[..8]);
        var refused = Delivery.IdFor(DeliveryChannels.Webhook, id);
        Stack.Platform.Refuse(refused, 503);
        Stack.World.Publish(Topics.Notifications, "zoe", NotificationRequested.MessageType, id,
            new NotificationRequested(id, NotificationRequested.Player, "zoe", "payout_sent", "info",
                "Your prize is on its way", "Your prize was sent to your Stripe account.", id, DateTimeOffset.UtcNow));
        await Stack.WaitAsync(async () => await Stack.ScalarAsync<long>(
            "SELECT count(*) FROM notifier.deliveries WHERE delivery_id = @refused AND state = 'pending' " +
            "AND attempts >= 1", new { refused }) == 1, "the refused delivery tried once and pending");

        var recipient = await Eventually.UntilAsync<string?>(() => Stack.ScalarAsync<string?>(
                "SELECT recipient FROM notifier.deliveries WHERE state = 'delivered' AND channel = 'webhook' " +
                "ORDER BY requested_at DESC, delivery_id LIMIT 1"),
            r => r is not null, "a delivered webhook in the log");
        var ann = await fixture.SignInAsync(ConsoleFixture.Ann);
        var response = await ann.GotoAsync("/notifications?state=delivered");
        Assert.Equal(200, response!.Status);
        await fixture.ShotAsync(ann, "notifications");
        Assert.Contains("delivered", await ann.Locator("#delivery-counts").InnerTextAsync(), StringComparison.Ordinal);
        var rows = await ann.Locator("#deliveries").InnerTextAsync();
        Assert.Contains(recipient!, rows, StringComparison.Ordinal);
        Assert.DoesNotContain("pending", rows, StringComparison.Ordinal);
        Assert.DoesNotContain("zoe", rows, StringComparison.Ordinal);

        Assert.Equal(200, (await ann.GotoAsync("/notifications?state=pending"))!.Status);
        await fixture.ShotAsync(ann, "notifications-pending");
        Assert.Contains("pending", await ann.Locator("#delivery-counts").InnerTextAsync(), StringComparison.Ordinal);
        var zoe = await ann.Locator("#deliveries tr", new() { HasText = "zoe" }).InnerTextAsync();
        Assert.Contains("payout_sent", zoe, StringComparison.Ordinal);
        Assert.Contains("pending", zoe, StringComparison.Ordinal);
        Assert.Contains($"{RecordingPlatformEndpoint.Path} answered 503", zoe, StringComparison.Ordinal);
        Assert.DoesNotContain("delivered", await ann.Locator("#deliveries").InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>cpctl as compose's cpctl service runs it: the read-only role, its own process.</summary>
    private async Task<(int ExitCode, List<string> Lines)> CpctlAsync(params string[] args)
    {
        var spec = LocalServices.Prepare(Services.Cpctl, Stack.Swaps, Stack.Environment,
            label: $"cpctl-{Guid.NewGuid():N}")
            with { Arguments = args };
        var lines = new List<string>();
        await using var process = LocalServices.Start(spec,
            Path.Combine(Stack.WorkDirectory, $"cpctl-{Guid.NewGuid():N}.log"),
            line => { lock (lines) lines.Add(line); });
        using var patience = new CancellationTokenSource(Eventually.Patience);
        await process.WaitForExitAsync(patience.Token);
        lock (lines) return (process.ExitCode, [.. lines]);
    }
}
