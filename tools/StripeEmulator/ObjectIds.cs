namespace ContestPipeline.StripeEmulation;

/// <summary>
/// Object ids as Stripe makes them: a prefix (pi_, tr_, acct_) and random letters and digits. Unseeded by default,
/// so events of two runs never share an id in a consumer's inbox; seeded, a run's ids come out the same every time.
/// </summary>
internal sealed class ObjectIds(int? seed)
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int LengthDefault = 24;

    private readonly Lock _gate = new();
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();

    public string New(string prefix, int length = LengthDefault)
    {
        lock (_gate)
        {
            return string.Create(prefix.Length + length, (prefix, _random), static (span, state) =>
            {
                state.prefix.CopyTo(span);
                for (var i = state.prefix.Length; i < span.Length; i++)
                    span[i] = Alphabet[state._random.Next(Alphabet.Length)];
            });
        }
    }
}
