using System;

namespace Emmap.Streams.Tests.Support;

/// <summary>What a call threw, for tests that run it on another thread or in a callback and check the outcome afterwards.</summary>
internal static class Thrown
{
    /// <summary>Runs <paramref name="action"/>; returns the exception it threw, or <see langword="null"/> if it returned.</summary>
    public static Exception? By(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // Whatever it threw is the outcome the test checks.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }
}
