using System;
using System.Globalization;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// The Windows half of <see cref="SharedWaits"/>: per word, a named semaphore (<c>Local\emmap-…-wait-N</c>) and a count of the
/// threads, in any process, that sleep on it, in one page of named memory (<c>Local\emmap-…-waits</c>).
/// </summary>
/// <remarks>
/// <para>A waiter raises the count (a full fence), reads the word, and sleeps on the semaphore only if the word still holds what it
/// read before announcing itself; it lowers the count when it wakes. A waker changes the word (a full fence), reads the count and
/// releases that many permits (one for <see cref="WakeOne"/>). Either the waiter's read of the word comes after the change, or the
/// waker's read of the count comes after the raise and its permit is there when the waiter sleeps: no wake is lost.</para>
/// <para>A permit released for a waiter that then did not sleep (it saw the word change, or its timeout passed) stays, and makes a
/// later sleeper wake once for nothing; callers check again anyway. A waiter killed in its sleep leaves its count raised until
/// every process has closed the objects, so wakes then release one spare permit each; a wake that finds many permits already
/// there takes its own back, so spares never pile up.</para>
/// <para>The objects exist while some process has them open, like the queue's shared words: named memory, not a file, so nothing
/// is ever left behind. <c>Local\</c> names do not cross sessions (a service and a desktop program).</para>
/// </remarks>
internal sealed unsafe partial class SharedWaits
{
    private const int CountStride = 64;
    private const int PageSize = 4096;
    private const int SparePermits = 1024;

    private readonly Semaphore[]? _semaphores;
    private readonly SafeMemoryMappedFileHandle? _countsSection;
    private readonly byte* _counts;

    // The owner's reference plus one per call in progress; the last to let go closes the objects.
    private int _references = 1;
    private int _disposed;

    [SupportedOSPlatform("windows")]
    private SharedWaits(Semaphore[] semaphores, SafeMemoryMappedFileHandle countsSection, byte* counts)
    {
        _semaphores = semaphores;
        _countsSection = countsSection;
        _counts = counts;
    }

    [SupportedOSPlatform("windows10.0.17134")]
    private static SharedWaits OpenWindows(FileIdentity identity, long scope, int slots)
    {
        if (slots is <= 0 or > PageSize / CountStride)
        {
            throw new ArgumentOutOfRangeException(nameof(slots));
        }

        string prefix = WindowsObjectNames.For(identity, string.Create(CultureInfo.InvariantCulture, $"{scope:x}"));
        SafeMemoryMappedFileHandle section = FileSections.OpenOrCreateShared(prefix + "-waits", PageSize, out _);
        var semaphores = new Semaphore[slots];
        nint counts = 0;
        try
        {
            counts = WindowsMemory.MapView(section, PageSize, 0, ViewProtection.ReadWrite, prefix);
            for (int slot = 0; slot < slots; slot++)
            {
                semaphores[slot] = new Semaphore(0, int.MaxValue, string.Create(CultureInfo.InvariantCulture, $"{prefix}-wait-{slot}"));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or WaitHandleCannotBeOpenedException)
        {
            foreach (Semaphore? semaphore in semaphores)
            {
                semaphore?.Dispose();
            }

            if (counts != 0)
            {
                _ = WindowsMemory.TryUnmapView(counts);
            }

            section.Dispose();
            throw ex as IOException ?? new IOException($"Creating the cross-process waits of a queue failed: {ex.Message}", ex);
        }

        return new SharedWaits(semaphores, section, (byte*)counts);
    }

    private ref int Sleepers(int slot) => ref *(int*)(_counts + (slot * CountStride));

    [SupportedOSPlatform("windows")]
    private Futex.WaitResult WaitWindows(int slot, uint* address, uint expected, int timeoutMilliseconds)
    {
        if (!TryEnter())
        {
            return Futex.WaitResult.Woken;
        }

        try
        {
            Interlocked.Increment(ref Sleepers(slot));
            try
            {
                if (Volatile.Read(ref *address) != expected)
                {
                    return Futex.WaitResult.Changed;
                }

                if (Volatile.Read(ref _disposed) != 0)
                {
                    // Dispose raised its flag before it counted the sleepers to wake: it may not have counted this one.
                    return Futex.WaitResult.Woken;
                }

                return _semaphores![slot].WaitOne(timeoutMilliseconds) ? Futex.WaitResult.Woken : Futex.WaitResult.TimedOut;
            }
            finally
            {
                Interlocked.Decrement(ref Sleepers(slot));
            }
        }
        finally
        {
            Exit();
        }
    }

    [SupportedOSPlatform("windows")]
    private void WakeWindows(int slot, int count)
    {
        if (!TryEnter())
        {
            return;
        }

        try
        {
            Release(slot, count);
        }
        finally
        {
            Exit();
        }
    }

    [SupportedOSPlatform("windows")]
    private void Release(int slot, int count)
    {
        int permits = Math.Min(Volatile.Read(ref Sleepers(slot)), count);
        if (permits <= 0)
        {
            return;
        }

        Semaphore semaphore = _semaphores![slot];
        if (semaphore.Release(permits) >= SparePermits)
        {
            // Plenty were there already (left by waiters that did not sleep, or counted for a killed one): take these back.
            for (int i = 0; i < permits; i++)
            {
                _ = semaphore.WaitOne(0);
            }
        }
    }

    [SupportedOSPlatform("windows")]
    private void DisposeWindows()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Sleepers of this process must not wait on objects about to close: wake every sleeper of every word (they check again).
        for (int slot = 0; slot < _semaphores!.Length; slot++)
        {
            Release(slot, int.MaxValue);
        }

        Exit();
    }

    private bool TryEnter()
    {
        int references = Volatile.Read(ref _references);
        while (references > 0 && Volatile.Read(ref _disposed) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                return true;
            }

            references = seen;
        }

        return false;
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        if (Platform.IsWindows)
        {
            foreach (Semaphore semaphore in _semaphores!)
            {
                semaphore.Dispose();
            }

            _ = WindowsMemory.TryUnmapView((nint)_counts);
            _countsSection!.Dispose();
        }
    }
}
