using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Turns the queue's crash points on in the test process before any queue code runs, so that tests can stop an operation
/// at a named point (the hook throws) and look at the file exactly as a crash there would leave it.
/// </summary>
public static class QueueCrashPointSwitch
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The ModuleInitializer attribute should not be used in libraries", Justification = "A test assembly: the switch must be set before the queue reads it.")]
    public static void Enable() => AppContext.SetSwitch(CrashPoints.SwitchName, true);

    /// <summary>Runs <paramref name="action"/> and stops it at the <paramref name="hit"/>-th visit of <paramref name="point"/>; returns whether it stopped there.</summary>
    public static bool StopAt(string point, Action action, int hit = 1)
    {
        int seen = 0;
        int depth = AccessSlots.CurrentDepth;
        CrashPoints.Hook = name =>
        {
            if (name == point && ++seen == hit)
            {
                throw new StoppedAtCrashPointException(point);
            }
        };
        try
        {
            action();
            return false;
        }
        catch (StoppedAtCrashPointException)
        {
            // The stop stands for a crash, which takes the thread with it; this thread goes on, so it drops the records of the
            // accesses the throw abandoned (on Windows they would make later releases wait for the finalizer).
            AccessSlots.AbandonAbove(depth);
            return true;
        }
        finally
        {
            CrashPoints.Hook = null;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once, on this thread, the first time it reaches <paramref name="point"/>, and lets the
    /// operation go on: another handle's cut or write lands at that moment of the operation. Visits from other threads pass.
    /// </summary>
    public static void RunOnceAt(string point, Action action)
    {
        int thread = Environment.CurrentManagedThreadId;
        CrashPoints.Hook = name =>
        {
            if (name == point && Environment.CurrentManagedThreadId == thread)
            {
                CrashPoints.Hook = null;
                action();
            }
        };
    }

    private sealed class StoppedAtCrashPointException(string point) : Exception($"Stopped at {point}.");
}
