using System.Security.Cryptography;
using System.Text;
using ContestPipeline.Notifier.Deliveries;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace ContestPipeline.Notifier.Channels;

/// <summary>
/// Operators' notifications as email, through the SMTP server of the settings (MailKit). The
/// message id is derived from the delivery id, so a delivery sent twice (a crash after the server
/// accepted it, before the log recorded it) is the same message to a mail client, which shows it once.
/// </summary>
public sealed class EmailSender(NotifierOptions options)
{
    public async Task<AttemptOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var to = options.OperatorsEmail.Select(OperatorAddress.Parse).Where(a => a.Takes(delivery.Severity)).ToList();
        if (to.Count == 0)
            return new AttemptOutcome(true, $"no operator takes {delivery.Severity} notifications: nothing sent");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.AttemptTimeout);
        using var client = new SmtpClient { Timeout = (int)options.AttemptTimeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(options.SmtpHost, options.SmtpPort, options.SmtpSecurity, timeout.Token);
            if (options.SmtpUser is { } user)
                await client.AuthenticateAsync(user, options.SmtpPassword ?? "", timeout.Token);
            var accepted = await client.SendAsync(Message(delivery, to), timeout.Token);
            await client.DisconnectAsync(true, timeout.Token);
            return new AttemptOutcome(true, $"accepted by {options.SmtpHost}:{options.SmtpPort}: {accepted}");
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ProtocolException
            or CommandException or MailKit.Security.AuthenticationException or TimeoutException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return new AttemptOutcome(false,
                $"SMTP {options.SmtpHost}:{options.SmtpPort}: {e.GetType().Name}: {e.Message}");
        }
    }

    private MimeMessage Message(Delivery delivery, IReadOnlyList<OperatorAddress> to)
    {
        var message = new MimeMessage
        {
            Subject = delivery.Subject,
            MessageId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(delivery.DeliveryId)))[..32]
                + "@contestpipeline",
            Body = new TextPart("plain") { Text = delivery.Body },
        };
        message.From.Add(MailboxAddress.Parse(options.From));
        foreach (var operatorAddress in to) message.To.Add(MailboxAddress.Parse(operatorAddress.Address));
        message.Headers.Add("X-ContestPipeline-Delivery-Id", delivery.DeliveryId);
        return message;
    }
}
