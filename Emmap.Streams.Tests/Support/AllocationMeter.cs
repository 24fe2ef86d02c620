using System;
using System.Collections.Concurrent;
using System.Runtime;
using System.Text;
using NUnit.Framework;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// Measures what a loop of operations allocates on the calling thread, with the evidence needed to tell an allocation of the
/// code under test from a one-off of the runtime (a method compiled on this thread, a garbage collection).
/// </summary>
/// <remarks>
/// The loop runs once to warm up, then up to <c>attempts</c> times measured; the result is the least any attempt allocated.
/// An operation that allocates allocates in every attempt, so it is still seen; a single allocation that the runtime makes
/// once, at a moment no test controls, is not counted against the operations. An exception thrown on the calling thread during
/// a measured attempt (even one caught inside the operations) fails the measurement outright: a hot path that throws and
/// catches is itself a defect. Every attempt's figures are written to the test's output, so an attempt that allocated leaves
/// a trace even when the test passes.
/// </remarks>
internal static class AllocationMeter
{
    /// <summary>Runs <paramref name="loop"/> once unmeasured, then measured until an attempt allocates nothing; returns the least allocated.</summary>
    public static long LeastOf(int attempts, Action loop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        loop();

        int thread = Environment.CurrentManagedThreadId;
        var exceptions = new ConcurrentQueue<string>();
        EventHandler<System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs> onThrow = (_, e) =>
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                exceptions.Enqueue($"{e.Exception.GetType().Name}: {e.Exception.Message}");
            }
        };

        var evidence = new StringBuilder();
        long least = long.MaxValue;
        AppDomain.CurrentDomain.FirstChanceException += onThrow;
        try
        {
            for (int attempt = 1; attempt <= attempts && least != 0; attempt++)
            {
                int collections = GC.CollectionCount(0);
                long compiled = JitInfo.GetCompiledMethodCount(currentThread: true);
                long before = GC.GetAllocatedBytesForCurrentThread();
                loop();
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                compiled = JitInfo.GetCompiledMethodCount(currentThread: true) - compiled;
                collections = GC.CollectionCount(0) - collections;
                least = Math.Min(least, allocated);
                evidence.AppendLine(
                    $"attempt {attempt}: {allocated} bytes allocated, {compiled} methods compiled on this thread, {collections} gen-0 collections");
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= onThrow;
        }

        TestContext.Out.Write(evidence.ToString());
        if (!exceptions.IsEmpty)
        {
            Assert.Fail($"The measured operations threw on the calling thread:\n{string.Join('\n', exceptions)}\n{evidence}");
        }

        return least;
    }
}
