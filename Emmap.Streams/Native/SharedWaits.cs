using System;

namespace Emmap.Streams.Native;

/// <summary>
/// Waiting on 32-bit words of one shared file mapping, across processes. On Linux and macOS the words are waited on directly
/// (<see cref="Futex"/>: the kernel keys a wait by file and offset). Windows has no such wait across processes
/// (<c>WaitOnAddress</c> stays within one), so there each word has a named semaphore tied to the file, and a count of its
/// sleepers in named memory (see <c>SharedWaits.Windows.cs</c>).
/// </summary>
/// <remarks>
/// The protocol around a word is the caller's, as with <see cref="Futex"/>: a waiter reads the word, announces itself, checks its
/// condition, and waits only while the word still holds what it read; a waker changes the word with a full fence, then wakes. A
/// wait may return early for no reason, so callers always check their condition again. Each word is named by a small slot number
/// that every process uses for the same word.
/// </remarks>
internal sealed unsafe partial class SharedWaits : IDisposable
{
    /// <summary>The waits of Linux and macOS, which need nothing of their own.</summary>
    private static readonly SharedWaits s_futexes = new();

    private SharedWaits()
    {
    }

    /// <summary>
    /// The waits on the words of the file <paramref name="identity"/>; <paramref name="scope"/> tells apart the structures that one
    /// file may hold (a queue's file offset), and <paramref name="slots"/> is the number of words. Dispose it when done.
    /// </summary>
    internal static SharedWaits Open(FileIdentity identity, long scope, int slots) =>
        Platform.IsWindows ? OpenWindows(identity, scope, slots) : s_futexes;

    /// <summary>
    /// Blocks the calling thread while <c>*address == expected</c>, until woken or until <paramref name="timeoutMilliseconds"/> pass
    /// (-1: no timeout). <paramref name="slot"/> names the word.
    /// </summary>
    internal Futex.WaitResult Wait(int slot, uint* address, uint expected, int timeoutMilliseconds) =>
        Platform.IsWindows ? WaitWindows(slot, address, expected, timeoutMilliseconds) : Futex.Wait(address, expected, timeoutMilliseconds);

    /// <summary>Wakes every thread, in any process, waiting on the word.</summary>
    internal void WakeAll(int slot, uint* address)
    {
        if (Platform.IsWindows)
        {
            WakeWindows(slot, int.MaxValue);
        }
        else
        {
            _ = Futex.WakeAll(address);
        }
    }

    /// <summary>Wakes at most one thread waiting on the word.</summary>
    internal void WakeOne(int slot, uint* address)
    {
        if (Platform.IsWindows)
        {
            WakeWindows(slot, 1);
        }
        else
        {
            _ = Futex.WakeOne(address);
        }
    }

    /// <summary>Wakes every thread of this process still waiting, then lets the named objects go once none is inside a call.</summary>
    public void Dispose()
    {
        if (Platform.IsWindows)
        {
            DisposeWindows();
        }
    }
}
