using System;

namespace Emmap.Streams.Benchmarks;

/// <summary>One benchmark method of one suite instance, bound for direct calls.</summary>
internal sealed class QuickCase
{
    internal QuickCase(string suite, string name, bool isBaseline, int operationsPerInvoke, Action invoke, IWorkerAllocations? workers)
    {
        Suite = suite;
        Name = name;
        IsBaseline = isBaseline;
        OperationsPerInvoke = operationsPerInvoke;
        Invoke = invoke;
        Workers = workers;
    }

    /// <summary>Gets the suite name: the class, then the category and the parameter values.</summary>
    internal string Suite { get; }

    /// <summary>Gets the case name: the benchmark method's name.</summary>
    internal string Name { get; }

    internal bool IsBaseline { get; }

    internal int OperationsPerInvoke { get; }

    /// <summary>Gets the call of the benchmark method (its result goes to <see cref="Sink"/>).</summary>
    internal Action Invoke { get; }

    /// <summary>Gets the source of worker-thread allocations, for multi-threaded suites.</summary>
    internal IWorkerAllocations? Workers { get; }
}
