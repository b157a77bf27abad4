using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Operations.Recipients;
using ContestPipeline.Payout.Recipients;
using ContestPipeline.Notifier.Channels;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Tests.WebConsole;
using StripeAccount = Stripe.Account;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Where a winner's account stands, read from Stripe's own answer, as rules; and, in the console's stack (every worker
/// and the notification sender as processes, the Stripe-compatible server sending its webhooks), an account Stripe
/// restricts or rejects tells its holder what to do and the operators what they can.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class RecipientStatesTests(ConsoleFixture fixture)
{
    private static StripeAccount Account(string? transfers, bool submitted, string? disabled, params string[] due) =>
        new()
    {
        Id = "acct_1", DetailsSubmitted = submitted,
        Capabilities = new global::Stripe.AccountCapabilities { Transfers = transfers },
        Requirements = new global::Stripe.AccountRequirements { DisabledReason = disabled, CurrentlyDue = [.. due],
            PastDue = [] },
    };

    [Theory]
    [InlineData("active", true, null, RecipientAccountStates.CanReceive)]
    [InlineData("inactive", false, "requirements.past_due", RecipientAccountStates.Onboarding)]
    [InlineData("inactive", true, "requirements.past_due", RecipientAccountStates.NeedsInformation)]
    [InlineData("inactive", true, "under_review", RecipientAccountStates.UnderReview)]
    [InlineData("inactive", true, "requirements.pending_verification", RecipientAccountStates.UnderReview)]
    [InlineData("inactive", true, "rejected.fraud", RecipientAccountStates.Rejected)]
    [InlineData("inactive", false, "rejected.terms_of_service", RecipientAccountStates.Rejected)]
    [InlineData("pending", true, null, RecipientAccountStates.Pending)]
    public void An_accounts_state_is_read_from_its_capability_requirements_and_onboarding(string transfers,
        bool submitted, string? disabled, string state)
    {
        var due = disabled == "requirements.past_due" ? new[] { "individual.id_number" } : [];
        Assert.Equal(state, ConnectedAccounts.StateOf(Account(transfers, submitted, disabled, due)).State);
    }

    [Fact]
    public void Each_blocking_state_tells_the_winner_something_and_the_others_nothing()
    {
        foreach (var state in RecipientAccountStates.Blocking)
            Assert.NotNull(
                RecipientAccountChangedHandler.Notice(new RecipientAccountChanged("ada", "acct_1", state, null,
                    ["external_account"], DateTimeOffset.UnixEpoch)));
        var needs = RecipientAccountChangedHandler.Notice(new RecipientAccountChanged("ada", "acct_1",
            RecipientAccountStates.NeedsInformation, "requirements.past_due",
            ["external_account", "individual.dob.day"],
            DateTimeOffset.UnixEpoch))!.Value;
        Assert.Contains("external_account, individual.dob.day", needs.Text, StringComparison.Ordinal);
        Assert.Contains(RecipientOnboardingNeeded.PathFor("ada"), needs.Text, StringComparison.Ordinal);
        Assert.Null(RecipientAccountChangedHandler.Notice(new RecipientAccountChanged("ada", "acct_1",
            RecipientAccountStates.CanReceive, null, [], DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public async Task A_restricted_or_rejected_account_tells_its_holder_and_the_operators_once()
    {
        var stack = fixture.Stack;
        // Two players who won nothing in the stack's contest: their accounts can change without holding up a prize.
        var ed = await AccountOfAsync("ed");
        var fi = await AccountOfAsync("fi");
        try
        {
            stack.Stripe.RestrictAccount(ed, ["individual.verification.document"]);
            stack.Stripe.RejectAccount(fi, "fraud");

            var edNotice = await NoticeAsync("ed", "account_needs_information");
            Assert.Contains("individual.verification.document", edNotice.Text, StringComparison.Ordinal);
            Assert.Contains(RecipientOnboardingNeeded.PathFor("ed"), edNotice.Text, StringComparison.Ordinal);
            await NoticeAsync("fi", "account_rejected");
            await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
                "SELECT count(*) FROM operations.alerts WHERE code = 'recipient_account_rejected' AND subject = 'fi' " +
                "AND severity = 'critical'") == 1, "the critical alert about fi's rejected account");
            Assert.Equal(1, await stack.ScalarAsync<long>(
                "SELECT count(*) FROM operations.alerts WHERE code = 'recipient_account_needs_information' "
                + "AND subject = 'ed'"));
            var mail = await Eventually.UntilAsync(() => stack.Smtp.Messages().FirstOrDefault(m =>
                    m.Subject == "[CRITICAL] recipient_account_rejected: fi"), m => m is not null,
                "the operators' email about fi's account", TimeSpan.FromSeconds(90));
            Assert.Contains("rejected.fraud", mail!.TextBody, StringComparison.Ordinal);

            // Stripe says the same again (another account.updated): nobody is told twice.
            stack.Stripe.RejectAccount(fi, "fraud");
            stack.Stripe.RestrictAccount(ed, ["individual.verification.document"]);
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.Single(stack.Platform.Requests, r => r.Notification is { PlayerId: "fi", Kind: "account_rejected" });
            Assert.Equal(1, await stack.ScalarAsync<long>(
                "SELECT count(*) FROM operations.alerts WHERE code = 'recipient_account_rejected' AND subject = 'fi'"));
        }
        finally
        {
            stack.Stripe.EnablePayouts(ed);
            stack.Stripe.EnablePayouts(fi);
            await stack.WaitAsync(async () => await stack.ScalarAsync<long>(
                "SELECT count(*) FROM payout.recipients WHERE player_id IN ('ed', 'fi') AND can_receive") == 2,
                "ed's and fi's accounts able to receive again");
        }
    }

    private async Task<string> AccountOfAsync(string player) =>
        (await fixture.Stack.ScalarAsync<string>("SELECT account_id FROM payout.recipients WHERE player_id = @player",
            new { player }))!;

    private async Task<PlatformNotification> NoticeAsync(string player, string kind)
    {
        var found = await Eventually.UntilAsync(() => fixture.Stack.Platform.Requests
                .Select(r => r.Notification).FirstOrDefault(n => n.PlayerId == player && n.Kind == kind),
            n => n is not null, $"{player}'s {kind} notice at the platform", TimeSpan.FromSeconds(90));
        return found!;
    }
}
