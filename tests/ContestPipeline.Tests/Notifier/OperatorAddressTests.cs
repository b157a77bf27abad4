using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Notifier.Channels;

namespace ContestPipeline.Tests.Notifier;

/// <summary>Which operators an email goes to, by the level each chose in the setting.</summary>
public sealed class OperatorAddressTests
{
    [Theory]
    [InlineData("ann@example.com", "ann@example.com", "warning")]
    [InlineData(" bob@example.com:critical ", "bob@example.com", "critical")]
    [InlineData("cy@example.com:WARNING", "cy@example.com", "warning")]
    public void An_entry_is_an_address_and_the_least_severe_notification_it_takes(string entry, string address,
        string least) =>
        Assert.Equal(new OperatorAddress(address, least), OperatorAddress.Parse(entry));

    [Theory]
    [InlineData("ann@example.com:info", "the level after ':' is warning or critical, not 'info'")]
    [InlineData("ann@example.com:loud", "not 'loud'")]
    [InlineData("not-an-address", "'not-an-address' is not an email address")]
    public void A_bad_entry_is_refused_naming_what_is_wrong(string entry, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => OperatorAddress.Parse(entry)).Message,
            StringComparison.Ordinal);

    [Fact]
    public void Warnings_go_to_the_default_level_critical_ones_to_everyone_info_to_nobody()
    {
        var everyone = OperatorAddress.Parse("ann@example.com");
        var pager = OperatorAddress.Parse("bob@example.com:critical");
        Assert.True(everyone.Takes(AlertSeverities.Warning) && everyone.Takes(AlertSeverities.Critical));
        Assert.False(everyone.Takes(AlertSeverities.Info));
        Assert.True(pager.Takes(AlertSeverities.Critical));
        Assert.False(pager.Takes(AlertSeverities.Warning));
    }
}
