using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The one piece of code that turns a position into a pointer into mapped memory. Every path that touches mapped bytes
/// (reads, writes, atomics, in-place reads, flushes of ranges, views, counters and the queue) brackets the touch with a
/// <c>TryBegin</c> and <see cref="End()"/>:
/// <list type="number">
/// <item><c>TryBegin</c> reads the cut counter, checks that the range lies inside both the data and the caller's
/// limit, and takes the base address. A disposed handle has a limit of -1, so it never gets a pointer.</item>
/// <item>The caller touches <see cref="Pointer"/>…<c>Pointer + count</c>, nothing else.</item>
/// <item><see cref="End()"/> orders the touch before what follows (a fence on weakly ordered CPUs), checks that the cut
/// counter did not move — so no page of the range was taken away or handed back meanwhile, even if the length grew back —
/// and keeps the mapping reachable until here, so its address space cannot be released under the access.</item>
/// </list>
/// The counter, length and base come either from the <see cref="MappingState"/> itself, or from a handle's own copy of
/// them (<see cref="HandleAccess"/>, with the length already clipped to the handle's window and rights), which the state
/// keeps up to date in the same order; the handle's fast paths use the copy, so they read one object and compare once.
/// No interlocked operation and no allocation: three plain loads and two compares around the caller's touch. A write or an
/// update ends with <c>EndWrite</c>, which also reads the file's shrink counter (three more loads, of lines that only a
/// shrink by another process writes), so that a write checked against a length another process has cut since is made
/// again. On Windows each access is also recorded in its thread's <see cref="AccessSlots"/> (two plain stores), which lets the last release of
/// a mapping take its views out at once; the check folds away on other systems.
/// When <see cref="End()"/> reports a cut, the caller decides under the file's gate, with
/// <see cref="MappingState.Untouched"/>, whether its own range was affected.
/// </summary>
internal readonly unsafe ref struct MappedAccess
{
    // The mapping of an access begun on the state (null for one begun on a handle's copy, whose End takes the copy).
    private readonly MappingState? _state;

    private MappedAccess(MappingState? state, long cuts, byte* pointer)
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
    /// <paramref name="offset"/>. <paramref name="position"/> must not be negative. End it with <see cref="End()"/>.
    /// </summary>
    /// <param name="state">The mapping.</param>
    /// <param name="offset">The file offset of the view's position 0.</param>
    /// <param name="limit">The caller's own end in file coordinates (a window's end; -1 for a disposed handle).</param>
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
            ExitSlot();
            access = default;
            return false;
        }

        access = new MappedAccess(state, cuts, (byte*)Volatile.Read(ref state.Base) + offset + position);
        return true;
    }

    /// <summary>
    /// Begins a read of <c>[position, position + count)</c> through a stream's own copy of the protocol's inputs
    /// (<see cref="HandleAccess"/>): the position is checked against 0 and the copy's read end, which is -1 when the stream
    /// cannot read or is disposed, so such a stream never gets a pointer, not even for an empty range. End it with
    /// <see cref="End(MappedFileStream)"/> on the same stream.
    /// </summary>
    /// <param name="stream">The stream; it holds the copy and keeps its mapping reachable.</param>
    /// <param name="position">The first byte, relative to the stream's position 0; may be negative (then nothing is begun).</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="access">The access, when the range is inside the end.</param>
    /// <returns>False if the position is negative or the range reaches past the end: nothing may be touched.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryBeginRead(MappedFileStream stream, long position, long count, out MappedAccess access)
    {
        EnterSlot(stream);
        long cuts = Volatile.Read(ref stream.Access.Cuts);
        return TryBegin(stream, cuts, Volatile.Read(ref stream.Access.ReadEnd), position, count, out access);
    }

    /// <summary>As <see cref="TryBeginRead"/>, for a write inside the data (the write end: -1 unless the stream can write).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="position">The first byte, relative to the stream's position 0; may be negative.</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="access">The access, when the range is inside the end.</param>
    /// <returns>False if the position is negative or the range reaches past the end: nothing may be touched.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryBeginWrite(MappedFileStream stream, long position, long count, out MappedAccess access)
    {
        EnterSlot(stream);
        long cuts = Volatile.Read(ref stream.Access.Cuts);
        return TryBegin(stream, cuts, Volatile.Read(ref stream.Access.WriteEnd), position, count, out access);
    }

    /// <summary>As <see cref="TryBeginRead"/>, for an atomic update (the update end: -1 unless the stream can read and write).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="position">The first byte, relative to the stream's position 0; may be negative.</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="access">The access, when the range is inside the end.</param>
    /// <returns>False if the position is negative or the range reaches past the end: nothing may be touched.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryBeginUpdate(MappedFileStream stream, long position, long count, out MappedAccess access)
    {
        EnterSlot(stream);
        long cuts = Volatile.Read(ref stream.Access.Cuts);
        return TryBegin(stream, cuts, Volatile.Read(ref stream.Access.UpdateEnd), position, count, out access);
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
    /// Ends an access begun on the state: orders the touch before the check, then returns true if no cut happened since it
    /// began (the bytes touched were the file's data throughout). Keeps the mapping reachable until here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool End()
    {
        Fence();
        MappingState state = _state!;
        bool intact = Volatile.Read(ref state.Cuts) == Cuts;
        ExitSlot();
        GC.KeepAlive(state);
        return intact;
    }

    /// <summary>
    /// Ends a write or an update begun on the state: as <see cref="End()"/>, and also false if another process shrank the
    /// file since this process last looked at the shared length (see <see cref="EndWrite(MappedFileStream)"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool EndWrite()
    {
        Fence();
        ShrinkBarrier.BeforeCheck();
        MappingState state = _state!;
        long shrinks = Volatile.Read(ref *(long*)Volatile.Read(ref state.ShrinksAddress));
        bool intact = shrinks == Volatile.Read(ref state.SeenShrinks) && Volatile.Read(ref state.Cuts) == Cuts;
        ExitSlot();
        GC.KeepAlive(state);
        return intact;
    }

    /// <summary>
    /// Checks an access that goes on: orders the touches so far before the check, then returns true if no cut happened since
    /// the access began. The access stays open (and recorded); end it with <see cref="End()"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly bool Check()
    {
        Fence();
        return Volatile.Read(ref _state!.Cuts) == Cuts;
    }

    /// <summary>
    /// Ends an access begun on <paramref name="stream"/>'s copy: as <see cref="End()"/>, against the copy's counter. Reading
    /// it keeps the stream, and so its mapping, reachable until here.
    /// </summary>
    /// <param name="stream">The stream the access began on.</param>
    /// <returns>True if no cut happened since the access began.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool End(MappedFileStream stream)
    {
        Fence();
        bool intact = Volatile.Read(ref stream.Access.Cuts) == Cuts;
        ExitSlot();
        return intact;
    }

    /// <summary>
    /// Ends a write or an update begun on <paramref name="stream"/>'s copy: as <see cref="End(MappedFileStream)"/>, and also
    /// false if another process shrank the file since this process last looked at the shared length. Such a write was checked
    /// against an end from before the shrink, so its bytes may lie past the end, where views and reads inside a stale length
    /// would see them; the caller makes it again at the length it looks up. The stores are ordered before the read of the
    /// shrink counter by <see cref="ShrinkBarrier"/>: either that read sees the shrink, or the shrink's zeroing comes after
    /// the stores, and the write stands as one made just before the shrink.
    /// </summary>
    /// <param name="stream">The stream the access began on.</param>
    /// <returns>True if no cut happened, in this process or by another's shrink, since the access began.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool EndWrite(MappedFileStream stream)
    {
        Fence();
        ShrinkBarrier.BeforeCheck();

        // The counter is read through the address, then the count seen and the cut counter: a new count or address is
        // published after the cut counter moved (MappingState.AdoptShrinks), so an access that reads one reads that too. The
        // stream is read after the counter, which keeps the address readable until then (RetiredPage).
        long shrinks = Volatile.Read(ref *(long*)Volatile.Read(ref stream.Access.ShrinksAddress));
        bool intact = shrinks == Volatile.Read(ref stream.Access.SeenShrinks) && Volatile.Read(ref stream.Access.Cuts) == Cuts;
        ExitSlot();
        return intact;
    }

    /// <summary>
    /// Ends an access begun on a stream's copy that touched nothing after all (the caller found it cannot use the pointer):
    /// no check is needed, only the record of the access is dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void EndUntouched() => ExitSlot();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryBegin(MappedFileStream stream, long cuts, long end, long position, long count, out MappedAccess access)
    {
        if (position < 0 || position > end - count)
        {
            ExitSlot();
            access = default;
            return false;
        }

        access = new MappedAccess(null, cuts, (byte*)Volatile.Read(ref stream.Access.Base) + position);
        return true;
    }

    // Windows: records the access in the thread's slot before anything of the copy is read (see AccessSlots).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EnterSlot(MappedFileStream stream)
    {
        if (Platform.IsWindows)
        {
            AccessSlots.Enter(stream.Access.StateId);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExitSlot()
    {
        if (Platform.IsWindows)
        {
            AccessSlots.Exit();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fence()
    {
        if (!X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>
    /// Ends an access without the cut check: one whose range stays pinned by a reference on the mapping (a direct view),
    /// where the reference, not the access, keeps the memory from then on; or one that an exception cut short (a caller's
    /// callback threw), whose outcome no longer matters. Only the record of the access is dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EndUnchecked()
    {
        ExitSlot();
        GC.KeepAlive(_state);
    }
}
