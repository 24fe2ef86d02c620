namespace Emmap.Streams.Tests.Atomics;

/// <summary>Every atomic extension method, so one test can cover them all.</summary>
public enum AtomicOperation
{
    Add,
    Subtract,
    And,
    Or,
    Xor,
    Exchange,
    CompareExchange,
    Read,
    Write,
}
