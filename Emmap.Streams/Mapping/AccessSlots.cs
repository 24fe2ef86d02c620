using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// Windows: which mappings each thread is inside an access of, so that the last release of a mapping can prove that no
/// access is in flight and take its views out at once. (On Unix nothing records this: pages are swapped for zero pages in
/// one step there, which a racing access survives; Windows has no such step, see <c>Region.Windows.cs</c>.)
/// </summary>
/// <remarks>
/// <para><c>MappedAccess.TryBegin</c> (and its per-stream forms) pushes the mapping's <see cref="MappingState.Id"/> on the calling thread's slot
/// before it reads the length, and <c>MappedAccess.End</c> pops it after the touch: plain stores to a thread's own
/// object, no interlocked operation. The releaser has already lowered the length to 0 (and advanced the cut counter with a
/// full fence); <see cref="IsIdle"/> then flushes every thread's store buffer (<c>FlushProcessWriteBuffers</c>) and reads
/// every slot. An access whose push the flush did not make visible had not pushed yet, so it reads the lowered length
/// after the flush and touches nothing; any other access is seen in its slot, and the release waits for the finalizer.
/// Under Wine, whose <c>FlushProcessWriteBuffers</c> is a stub, each access instead follows its push with a full fence of its
/// own (<see cref="Platform.IsWine"/>): without it a release could miss an access in flight, take its views out, and let
/// the address space go to another mapping that the late access then wrote into.</para>
/// <para>Nesting (an access inside another, such as a read from a callback of an in-place read) pushes a second entry. Every
/// path that begins an access ends it once, also when it throws (a caller's callback, a failed write-back, a refused cell):
/// an entry left behind would only make releases of its mapping wait for the finalizer, but an entry dropped while its access
/// is live could let a release unmap under it, so entries are never dropped by guesswork (such as comparing stack frames,
/// which differ with inlining). Entries past <see cref="Capacity"/> are not recorded and make every release of that moment
/// wait for the finalizer.</para>
/// </remarks>
internal static class AccessSlots
{
    private const int Capacity = 8;

    private static readonly Lock s_gate = new();
    private static readonly List<WeakReference<Slot>> s_slots = [];
    private static int s_pruneAt = 64;

    // Wine 10.0 implements FlushProcessWriteBuffers as a stub that does nothing: there each access fences itself instead,
    // which makes the two sides a plain Dekker handshake (the releaser's fence is the interlocked advance of the cut counter).
    private static readonly bool s_fenceEachAccess = Platform.IsWine;

    [ThreadStatic]
    private static Slot? s_threadSlot;

    /// <summary>Records that the calling thread begins an access of the mapping <paramref name="id"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Enter(long id)
    {
        Slot slot = s_threadSlot ?? Register();
        int depth = slot.Depth;
        if (depth < Capacity)
        {
            slot.Ids[depth] = id;
        }

        Volatile.Write(ref slot.Depth, depth + 1);
        if (s_fenceEachAccess)
        {
            // Under Wine the releaser's process-wide flush does nothing, so the access orders its record before its reads.
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>Records that the calling thread's innermost access has ended (after its last touch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Exit()
    {
        Slot slot = s_threadSlot!;
        Volatile.Write(ref slot.Depth, Math.Max(slot.Depth - 1, 0));
    }

    /// <summary>
    /// True if no thread can be inside an access of the mapping <paramref name="id"/>, or start one that touches memory. The
    /// caller has lowered that mapping's length to 0 and advanced its cut counter (a full fence) before calling.
    /// </summary>
    internal static bool IsIdle(long id)
    {
        Interlocked.MemoryBarrierProcessWide();
        lock (s_gate)
        {
            foreach (WeakReference<Slot> reference in s_slots)
            {
                if (!reference.TryGetTarget(out Slot? slot))
                {
                    continue;
                }

                int depth = Volatile.Read(ref slot.Depth);
                if (depth > Capacity)
                {
                    return false;
                }

                for (int i = 0; i < depth; i++)
                {
                    if (Volatile.Read(ref slot.Ids[i]) == id)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Gets how many accesses the calling thread is inside of (0 where nothing records them).</summary>
    internal static int CurrentDepth => s_threadSlot?.Depth ?? 0;

    /// <summary>
    /// For a simulated crash only (a test's crash point that throws out of an operation): drops the calling thread's entries
    /// above <paramref name="depth"/>, left by accesses that the throw abandoned. In a real crash the thread is gone with
    /// them; a thread that goes on must not keep them, or every later release of their mappings, and once entries overflow
    /// <see cref="Capacity"/> every release in the process, waits for the finalizer.
    /// </summary>
    /// <param name="depth">The thread's depth before the operation began (<see cref="CurrentDepth"/>).</param>
    internal static void AbandonAbove(int depth)
    {
        if (s_threadSlot is { } slot && slot.Depth > depth)
        {
            Volatile.Write(ref slot.Depth, depth);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Slot Register()
    {
        var slot = new Slot();
        lock (s_gate)
        {
            if (s_slots.Count >= s_pruneAt)
            {
                // Slots of threads that ended are collected with them.
                s_slots.RemoveAll(static reference => !reference.TryGetTarget(out _));
                s_pruneAt = Math.Max(64, s_slots.Count * 2);
            }

            s_slots.Add(new WeakReference<Slot>(slot));
        }

        s_threadSlot = slot;
        return slot;
    }

    /// <summary>One thread's stack of the mappings it is inside an access of.</summary>
    private sealed class Slot
    {
        internal int Depth;
        internal Entries<long> Ids;
    }

    /// <summary><see cref="Capacity"/> values inline, indexed without a bounds check beyond the constant length.</summary>
    [InlineArray(Capacity)]
    private struct Entries<T>
    {
        private T _first;
    }
}
