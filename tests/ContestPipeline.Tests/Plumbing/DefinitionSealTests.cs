using System.Text.Json;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Plumbing;

/// <summary>
/// The operators' seals on a contest definition, as Scoring and Settlement check them: each verifies only under the
/// key the operator's own key gives that service, covers every field but the seals, and a guaranteed pool above one
/// operator's bound needs two operators. The refusals through the real workers: <c>SealedDefinitionTests</c>.
/// </summary>
public sealed class DefinitionSealTests
{
    private static readonly OperatorKey Ann = OperatorKey.Generate("ann", "k1", OperatorRoles.Admin);
    private static readonly OperatorKey Bob = OperatorKey.Generate("bob", "k1", OperatorRoles.Admin);
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);
    private static readonly ContestDefined Definition = Fantasy("c1", At, ["g1"]);
    private static readonly PoolRule BigGuarantee =
        new(PoolModes.Guaranteed, GuaranteedMinor: ContestLimits.GuaranteedMinorOneOperatorMax + 1);

    private static SigningKeys KeysOf(string consumer, params OperatorKey[] operators) =>
        SigningKeys.Of(SigningKeys.Generate(Producers.Ingestion, consumer)).WithOperators(consumer, operators);

    private static string? Check(ContestDefined definition, string consumer = "settlement") =>
        DefinitionSeals.Refusal(definition, KeysOf(consumer, Ann, Bob), consumer, out _);

    [Fact]
    public void A_sealed_definition_verifies_for_each_service_that_acts_on_it_and_names_its_operator()
    {
        var sealedByAnn = DefinitionSeals.Seal(Definition, Ann);

        foreach (var consumer in DefinitionSeals.Consumers)
        {
            Assert.Null(DefinitionSeals.Refusal(sealedByAnn, KeysOf(consumer, Ann), consumer, out var operators));
            Assert.Equal(["ann"], operators);
        }
    }

    [Fact]
    public void Only_an_admins_key_seals_a_definition()
    {
        var approver = OperatorKey.Generate("cy", "k1", OperatorRoles.Approver);
        var refusal = DefinitionSeals.Refusal(DefinitionSeals.Seal(Definition, approver),
            KeysOf("settlement", approver),
            "settlement", out var operators);

        Assert.Contains("operator cy's key k1 is an approver's; sealing a definition needs an admin", refusal);
        Assert.Empty(operators);
    }

    [Fact]
    public void Any_field_changed_after_sealing_voids_the_seal()
    {
        var sealedByAnn = DefinitionSeals.Seal(Definition, Ann);

        foreach (var altered in new[]
                 {
                     sealedByAnn with { EntryFeeMinor = Definition.EntryFeeMinor + 1 },
                     sealedByAnn with { ContestId = "c2" },
                     sealedByAnn with { PlatformFeeBp = 0 },
                     sealedByAnn with { Pool = new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: 5_000_00) },
                 })
            Assert.Contains("ann's seal does not match the definition", Check(altered));
    }

    [Fact]
    public void No_seal_another_operators_key_or_a_seal_made_for_another_service_is_refused()
    {
        Assert.Contains("carries no operator's seal", Check(Definition));
        var mallory = OperatorKey.Generate("mallory", "k1", OperatorRoles.Admin);
        Assert.Contains("mallory's key k1 is not one settlement holds",
            Check(DefinitionSeals.Seal(Definition, mallory)));
        // Ann's name over a key that is not Ann's.
        var forged = DefinitionSeals.Seal(Definition, new OperatorKey("ann", "k1", Bob.Secret, OperatorRoles.Admin));
        Assert.Contains("ann's seal does not match", Check(forged));
        // Scoring's signature offered to Settlement.
        var sealedByAnn = DefinitionSeals.Seal(Definition, Ann);
        var scoringOnly = sealedByAnn with
        {
            Seals =
            [
                sealedByAnn.Seals![0] with
                {
                    Signatures = sealedByAnn.Seals[0].Signatures.Split(',').Single(p => p.StartsWith("scoring:")),
                },
            ],
        };
        Assert.Null(Check(scoringOnly, "scoring"));
        Assert.Contains("ann's seal is not signed for settlement", Check(scoringOnly));
        var moved = scoringOnly with
        {
            Seals = [scoringOnly.Seals![0] with
                { Signatures = scoringOnly.Seals[0].Signatures.Replace("scoring:", "settlement:") }],
        };
        Assert.Contains("ann's seal does not match", Check(moved));
    }

    [Fact]
    public void A_guarantee_above_one_operators_bound_needs_two_operators_and_one_operator_twice_is_one()
    {
        var big = Definition with { Pool = BigGuarantee };
        Assert.Equal(2, ContestLimits.SealsNeeded(big));
        Assert.Equal(1, ContestLimits.SealsNeeded(Definition with
            { Pool = BigGuarantee with { GuaranteedMinor = ContestLimits.GuaranteedMinorOneOperatorMax } }));

        var byAnn = DefinitionSeals.Seal(big, Ann);
        Assert.Contains("sealed by 1 operator(s) that verify for settlement, 2 needed", Check(byAnn));
        Assert.Contains("2 needed", Check(DefinitionSeals.Seal(byAnn, Ann)));
        Assert.Single(DefinitionSeals.Seal(byAnn, Ann).Seals!);
        var byBoth = DefinitionSeals.Seal(byAnn, Bob);
        Assert.Null(DefinitionSeals.Refusal(byBoth, KeysOf("settlement", Ann, Bob), "settlement", out var operators));
        Assert.Equal(["ann", "bob"], operators);
        // Sealing again keeps the other operator's seal and voids nothing.
        Assert.Null(Check(DefinitionSeals.Seal(byBoth, Ann)));
    }

    [Fact]
    public void The_fields_Ingestion_fills_in_may_differ_from_the_seal_only_within_their_bounds()
    {
        var sealedByAnn = DefinitionSeals.Seal(Definition, Ann);
        var relayed = sealedByAnn with
        {
            UnfinishedGames = UnfinishedGameRules.ScoreAsPlayed, SlateEndsAt = At.AddHours(30),
        };
        Assert.Null(Check(relayed));
        Assert.Contains("does not match",
            Check(relayed with { UnfinishedGames = UnfinishedGameRules.CancelAndRefund }));
        Assert.Contains("does not match",
            Check(relayed with { SlateEndsAt = At + UnfinishedGameRules.SlateLengthMax + TimeSpan.FromMinutes(1) }));
        Assert.Contains("does not match", Check(relayed with { SlateEndsAt = At }));
        // What the operator did seal cannot be changed, even to the default.
        var sealedRule = DefinitionSeals.Seal(Definition with
            { UnfinishedGames = UnfinishedGameRules.CancelAndRefund, SlateEndsAt = At.AddHours(5) }, Ann);
        Assert.Null(Check(sealedRule));
        Assert.Contains("does not match",
            Check(sealedRule with { UnfinishedGames = UnfinishedGameRules.ScoreAsPlayed }));
        Assert.Contains("does not match", Check(sealedRule with { SlateEndsAt = At.AddHours(6) }));
    }

    [Fact]
    public void An_unsealed_definition_is_written_as_before_and_its_hash_ignores_the_seals()
    {
        var json = JsonSerializer.Serialize(Definition, OutgoingMessage.Json);
        Assert.DoesNotContain("seals", json, StringComparison.Ordinal);
        var sealedDefinition = DefinitionSeals.Seal(DefinitionSeals.Seal(Definition, Ann), Bob);
        Assert.Equal(DefinitionSeals.Hash(Definition), DefinitionSeals.Hash(sealedDefinition));
        var back = JsonSerializer.Deserialize<ContestDefined>(
            JsonSerializer.Serialize(sealedDefinition, OutgoingMessage.Json), OutgoingMessage.Json)!;
        Assert.Null(Check(back));
    }
}
