namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// What becomes of an entry submission, in the order the checks run: the first that
/// applies is the outcome. <see cref="Ok"/> is last because it is what remains when no
/// check applies.
/// </summary>
/// <remarks>
/// The order is chosen so that the outcome never depends on facts that do not matter yet:
/// what was already done with this payment comes first (a replay must stay a no-op however
/// the contest has moved on); then whether the contest can take entries at all; then
/// whether the payment is this player's payment for this contest (identity before amount:
/// the amount of someone else's payment is beside the point); then its terms; then the
/// lineup; then the limits, which depend on other entries.
/// </remarks>
public enum EntryOutcome
{
    /// <summary>
    /// This PaymentIntent is already this very entry (same contest, player and lineup): a replay,
    /// nothing to do.
    /// </summary>
    AlreadyEntered,
    /// <summary>
    /// This PaymentIntent is already another entry, or was already refunded: it cannot pay for a
    /// second one.
    /// </summary>
    PaymentAlreadyUsed,
    ContestUnknown,
    ContestCancelled,
    /// <summary>
    /// Made at or after lockAt, its record reached the broker after lockAt + the allowed skew, or
    /// entries were closed early (a covered game started first). Never because deciding took long.
    /// </summary>
    ContestClosed,
    /// <summary>Stripe has no PaymentIntent with this id.</summary>
    PaymentNotFound,
    PaymentNotSucceeded,
    /// <summary>The PaymentIntent's metadata contest_id names another contest, or none.</summary>
    PaymentForAnotherContest,
    /// <summary>The PaymentIntent's metadata player_id names another player, or none.</summary>
    PaymentForAnotherPlayer,
    /// <summary>
    /// The charge that collected the payment was refunded (any of it) or is disputed, or could not
    /// be read with it.
    /// </summary>
    PaymentRefundedOrDisputed,
    PaymentAmountMismatch,
    PaymentCurrencyMismatch,
    LineupInvalid,
    /// <summary>
    /// The player is in a cooling-off or a self-exclusion (<see cref="Players.LimitRules"/>) when the submission is
    /// decided.
    /// </summary>
    PlayerExcluded,
    /// <summary>
    /// The entry fee would take the player's fees on the day, or in the calendar month, the submission was made past
    /// the player's limit.
    /// </summary>
    PlayerSpendingLimitReached,
    PlayerEntryLimitReached,
    ContestFull,
    Ok,
}
