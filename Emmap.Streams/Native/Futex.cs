using System;

namespace Emmap.Streams.Native;

/// <summary>
/// Waiting for a 32-bit word in a shared file mapping to change, and waking the waiters, across processes: Linux futexes
/// without <c>FUTEX_PRIVATE_FLAG</c> (the kernel keys them by file and offset, so every process mapping the file meets on the
/// same word, whatever address it is mapped at), and on macOS <c>__ulock_wait</c>/<c>__ulock_wake</c> with
/// <c>UL_COMPARE_AND_WAIT_SHARED</c>. Elsewhere the wait sleeps for at most the timeout (a bounded fallback).
/// </summary>
/// <remarks>
/// The protocol around the word is the caller's: a waiter reads the word, announces itself, checks its condition, and
/// waits only while the word still holds what it read; a waker changes the word (or what the condition reads), then wakes.
/// A wait may return early for no reason (a signal, another waker), so callers always check their condition again.
/// </remarks>
internal static unsafe partial class Futex
{
    /// <summary>How a wait ended.</summary>
    internal enum WaitResult
    {
        /// <summary>Woken, or returned early for another reason: check the condition again.</summary>
        Woken,

        /// <summary>The word no longer held the expected value when the wait began.</summary>
        Changed,

        /// <summary>The timeout passed.</summary>
        TimedOut,
    }

    /// <summary>
    /// Blocks the calling thread while <c>*address == expected</c>, until woken or until <paramref name="timeoutMilliseconds"/>
    /// pass (-1: no timeout). <paramref name="address"/> must be 4-byte aligned and inside a shared mapping.
    /// </summary>
    internal static WaitResult Wait(uint* address, uint expected, int timeoutMilliseconds)
    {
        if (OperatingSystem.IsLinux())
        {
            return WaitLinux(address, expected, timeoutMilliseconds);
        }

        if (OperatingSystem.IsMacOS())
        {
            return WaitMacOS(address, expected, timeoutMilliseconds);
        }

        // No cross-process wait primitive: sleep 1 ms at most (a bounded poll), then let the caller look again.
        if (System.Threading.Volatile.Read(ref *address) != expected)
        {
            return WaitResult.Changed;
        }

        System.Threading.Thread.Sleep(timeoutMilliseconds == 0 ? 0 : 1);
        return WaitResult.Woken;
    }

    /// <summary>Wakes every thread, in any process, waiting on <paramref name="address"/>. Returns how many were woken, if known.</summary>
    internal static int WakeAll(uint* address) => Wake(address, int.MaxValue);

    /// <summary>Wakes at most one thread waiting on <paramref name="address"/>.</summary>
    internal static int WakeOne(uint* address) => Wake(address, 1);

    private static int Wake(uint* address, int count)
    {
        if (OperatingSystem.IsLinux())
        {
            return WakeLinux(address, count);
        }

        if (OperatingSystem.IsMacOS())
        {
            return WakeMacOS(address, count);
        }

        return 0;
    }
}
