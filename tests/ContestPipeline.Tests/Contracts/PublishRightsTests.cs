using System.Reflection;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;

namespace ContestPipeline.Tests.Contracts;

/// <summary>The one table of who may publish what, where: what it must always say.</summary>
public sealed class PublishRightsTests
{
    [Fact]
    public void Only_Settlement_may_order_or_authorize_prizes_and_only_the_pipeline_may_order_refunds()
    {
        Assert.Equal([Producers.Settlement],
            PublishRights.Pipeline.ProducersOf(Topics.PayoutsDue, PrizePayoutOrdered.MessageType));
        Assert.Equal([Producers.Settlement],
            PublishRights.Pipeline.ProducersOf(Topics.PayoutsDue, ContestPayoutsAuthorized.MessageType));
        Assert.Equal([Producers.Ingestion, Producers.Settlement],
            PublishRights.Pipeline.ProducersOf(Topics.PayoutsDue, RefundOrdered.MessageType));
        Assert.Equal([Producers.Operator],
            PublishRights.Pipeline.ProducersOf(Topics.PayoutsDue, PayoutReviewDecided.MessageType));
        Assert.Equal([Producers.Operator],
            PublishRights.Pipeline.ProducersOf(Topics.PayoutsControl, PayoutDispatchDecided.MessageType));
    }

    [Fact]
    public void Every_internal_topic_is_covered_and_the_provider_feed_dead_letters_and_canaries_are_not()
    {
        Assert.Equal(
            [Topics.Alerts, Topics.ContestLifecycle, Topics.Contests, Topics.Entries, Topics.Games,
                Topics.Notifications, Topics.Operations, Topics.PayoutsControl, Topics.PayoutsDue, Topics.PayoutsStatus,
                Topics.Standings, Topics.StripeEvents, Topics.WorkerRewinds],
            PublishRights.Pipeline.Topics.Order(StringComparer.Ordinal));
        Assert.All(new[] { Topics.ProviderFeed, Topics.Canary, Topics.DeadLetter(Topics.PayoutsDue) },
            t => Assert.False(PublishRights.Pipeline.Covers(t), t));
    }

    [Fact]
    public void Every_row_names_a_known_message_type_and_known_producers_once()
    {
        var types = typeof(Topics).Assembly.GetTypes()
            .Select(t =>
                t.GetField("MessageType", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var row in PublishRights.Pipeline.Rows)
        {
            Assert.Contains(row.MessageType, types);
            Assert.NotEmpty(row.Producers);
            Assert.All(row.Producers, p => Assert.Contains(p, Producers.All));
            Assert.Equal(row.Producers.Count, row.Producers.Distinct(StringComparer.Ordinal).Count());
        }
        Assert.Equal(PublishRights.Pipeline.Rows.Count,
            PublishRights.Pipeline.Rows.Select(r => (r.Topic, r.MessageType)).Distinct().Count());
    }
}
