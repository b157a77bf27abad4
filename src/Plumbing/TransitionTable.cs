using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Plumbing;

/// <summary>
/// One state machine's transition table, and the one place that says whether a transition is
/// legal. Each worker declares its machines with it (Domain/); its Store asserts every change
/// against it, and a change the table forbids, or a stored state it does not know, is a bug.
/// </summary>
public sealed class TransitionTable<TState> where TState : notnull
{
    private readonly string _machine;
    private readonly IReadOnlyDictionary<TState, TState[]> _next;
    private readonly Func<TState, string> _name;

    /// <param name="machine">What the states are of, for messages: "settlement", "payout" ...</param>
    /// <param name="next">Every state with the states it may move to (itself included where staying
    /// is a change).</param>
    /// <param name="name">How a state is stored and shown.</param>
    public TransitionTable(string machine, IReadOnlyDictionary<TState, TState[]> next, Func<TState, string> name)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (state, targets) in next)
            foreach (var target in targets.Where(t => !next.ContainsKey(t)))
                throw new ArgumentException(
                    $"{machine}: {name(state)} moves to {name(target)}, which is not a state of the table",
                    nameof(next));
        (_machine, _next, _name) = (machine, next, name);
    }

    public IReadOnlyCollection<TState> States => [.. _next.Keys];

    public bool CanTransition(TState from, TState to) => _next.TryGetValue(from, out var next) && next.Contains(to);

    /// <summary>A transition the code is about to make that the table forbids is a bug.</summary>
    public void AssertTransition(string subject, TState from, TState to)
    {
        if (!CanTransition(from, to))
            throw new InvariantViolatedException(
                $"illegal {_machine} transition of {subject}: {Name(from)} -> {Name(to)}");
    }

    public string Name(TState state) => _name(state);

    /// <summary>
    /// A stored state; a name the table does not know is a bug (the column's check constraint
    /// agrees).
    /// </summary>
    public TState Parse(string subject, string? name)
    {
        foreach (var state in _next.Keys)
            if (Name(state) == name) return state;
        throw new InvariantViolatedException($"{subject} has unknown {_machine} state '{name}'");
    }
}
