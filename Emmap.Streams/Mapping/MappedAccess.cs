using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The one piece of code that turns a position into a pointer into mapped memory. Every path that touches mapped bytes
/// (reads, writes, atomics, in-place reads, flushes of ranges, views, counters and the queue) brackets the touch with
/// <see cref="TryBegin"/> and <see cref="End"/>:
/// <list type="number">
/// <item><see cref="TryBegin"/> reads the cut counter, checks that the range lies inside both the data and the caller's
/// limit, and takes the base address. A disposed handle passes a limit of 0, so it never gets a pointer.</item>
/// <item>The caller touches <see cref="Pointer"/>…<c>Pointer + count</c>, nothing else.</item>
/// <item><see cref="End"/> orders the touch before what follows (a fence on weakly ordered CPUs), checks that the cut
/// counter did not move — so no page of the range was taken away or handed back meanwhile, even if the length grew back —
/// and keeps the mapping reachable until here, so its address space cannot be released under the access.</item>
/// </list>
/// No interlocked operation and no allocation: three plain loads and two compares around the caller's touch. On Windows
/// each access is also recorded in its thread's <see cref="AccessSlots"/> (two plain stores), which lets the last release of
/// a mapping take its views out at once; the check folds away on other systems.
/// When <see cref="End"/> reports a cut, the caller decides under the file's gate, with
/// <see cref="MappingState.Untouched"/>, whether its own range was affected.
/// </summary>
internal readonly unsafe ref struct MappedAccess
{
    private readonly MappingState _state;

    private MappedAccess(MappingState state, long cuts, byte* pointer)
    {
        _state = state;
        Cuts = cuts;
        Pointer = pointer;
    }

    /// <summary>Gets the address of the first byte of the range.</summary>
    internal byte* Pointer { get; }

    /// <summary>Gets the cut counter the access began with.</summary>
    internal long Cuts { get; }

    /// <summary>
    /// Begins an access to <c>[position, position + count)</c> of a view whose position 0 is file offset
    /// <paramref name="offset"/>. <paramref name="position"/> must not be negative.
    /// </summary>
    /// <param name="state">The mapping.</param>
    /// <param name="offset">The file offset of the view's position 0.</param>
    /// <param name="limit">The caller's own end in file coordinates (a window's end; 0 for a disposed handle).</param>
    /// <param name="position">The first byte, relative to <paramref name="offset"/>.</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="access">The access, when the range is inside the data and the limit.</param>
    /// <returns>False if the range reaches past the data or the limit: nothing may be touched.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryBegin(MappingState state, long offset, long limit, long position, long count, out MappedAccess access)
    {
        if (Platform.IsWindows)
        {
            AccessSlots.Enter(state.Id);
        }

        long cuts = Volatile.Read(ref state.Cuts);
        long available = Math.Min(Volatile.Read(ref state.Length), limit) - offset;
        if (position > available - count)
        {
            if (Platform.IsWindows)
            {
                AccessSlots.Exit();
            }

            access = default;
            return false;
        }

        access = new MappedAccess(state, cuts, (byte*)Volatile.Read(ref state.Base) + offset + position);
        return true;
    }

    /// <summary>
    /// Returns the address of <c>[fileOffset, fileOffset + count)</c> for the one caller that may touch bytes the length does
    /// not cover yet: a size change, under the file's gate (so no cut can happen), writing data it is about to publish.
    /// The range must already be mapped.
    /// </summary>
    internal static byte* BeginExclusive(MappingState state, long fileOffset, long count)
    {
        Region region = state.Region;
        if ((ulong)fileOffset + (ulong)count > region.Accessible)
        {
            throw new InvalidOperationException($"Bytes [{fileOffset}, {fileOffset + count}) are not mapped.");
        }

        return region.Base + fileOffset;
    }

    /// <summary>
    /// Ends the access: orders the touch before the check, then returns true if no cut happened since <see cref="TryBegin"/>
    /// (the bytes touched were the file's data throughout). Keeps the mapping reachable until here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool End()
    {
        if (!X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }

        bool intact = Volatile.Read(ref _state.Cuts) == Cuts;
        if (Platform.IsWindows)
        {
            AccessSlots.Exit();
        }

        GC.KeepAlive(_state);
        return intact;
    }

    /// <summary>
    /// Ends an access whose range stays pinned by a reference on the mapping (a direct view), without the cut check: the
    /// reference, not the access, keeps the memory from then on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EndPinned()
    {
        if (Platform.IsWindows)
        {
            AccessSlots.Exit();
        }

        GC.KeepAlive(_state);
    }
}
