using ContestPipeline.Payout.Disputes;
using ContestPipeline.Payout.Recipients;

namespace ContestPipeline.Payout.Gates;

/// <summary>
/// What the gates know about one payout at dispatch time. <see cref="Waived"/> is what
/// operators' releases waived (<see cref="Waivers"/>); <see cref="Freezes"/> the freezes in
/// force on the entry fee behind the prize (a dispute's id, or a refund made outside the
/// pipeline). <see cref="Chargebacks"/> are the recipient's disputes and refunds made outside the pipeline on any of
/// their entry fees (<see cref="DisputeRules"/>), <see cref="PaymentIntentId"/> the entry fee behind this prize.
/// </summary>
public sealed record GateInput(
    long AmountMinor,
    IReadOnlyCollection<string> Waived,
    IReadOnlyList<string> Freezes,
    RecipientView? Recipient,
    RecipientActivity Activity,
    long? BalanceLeftMinor,
    IReadOnlyList<Chargeback>? Chargebacks = null,
    string? PaymentIntentId = null);
