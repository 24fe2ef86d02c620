using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

// The fast paths: reads, writes and atomic updates inside the data, through the stream's own copy of the access
// protocol's inputs, with every other case in a slow path that is not inlined.
public sealed partial class MappedFileStream
{
    // This handle's copy of the mapping's cut counter, its length clipped to the window and the stream's rights, and its
    // base plus the window's offset; kept up to date by the view under the file's gate (see HandleAccess).
    private HandleAccess _access = new()
    {
        Cuts = -1,
        ReadEnd = -1,
        WriteEnd = -1,
        UpdateEnd = -1,
        ShrinksAddress = SharedFileState.NoShrinksAddress,
    };

    /// <summary>Gets this handle's copy of the access protocol's inputs, for <see cref="MappedAccess"/> and <see cref="MappedView"/>.</summary>
    internal ref HandleAccess Access
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _access;
    }

    /// <summary>Reads at <paramref name="position"/>; returns the bytes read (fewer at the end of the data, 0 past it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe int ReadCore(long position, Span<byte> buffer)
    {
        if (MappedAccess.TryBeginRead(this, position, buffer.Length, out MappedAccess access))
        {
            MappedCopy.Copy(ref MemoryMarshal.GetReference(buffer), ref *access.Pointer, (uint)buffer.Length);
            Testing.CrashPoints.Hit(Testing.CrashPoints.ReadCopied);
            if (access.End(this))
            {
                return buffer.Length;
            }
        }

        return ReadSlow(position, buffer);
    }

    /// <summary>
    /// Fills all of <paramref name="buffer"/> from <paramref name="position"/>, or throws. The copy is the
    /// runtime's (<see cref="Span{T}.CopyTo(Span{T})"/>), not <see cref="MappedCopy"/>: with nothing returned, a caller's loop of
    /// fixed-size reads compiles to the protocol and one vector copy, counting down, and any other length is a memmove call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void ReadExactlyCore(long position, Span<byte> buffer)
    {
        if (MappedAccess.TryBeginRead(this, position, buffer.Length, out MappedAccess access))
        {
            MemoryMarshal.CreateReadOnlySpan(ref *access.Pointer, buffer.Length).CopyTo(buffer);
            Testing.CrashPoints.Hit(Testing.CrashPoints.ReadCopied);
            if (access.End(this))
            {
                return;
            }
        }

        ReadExactlySlow(position, buffer);
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> at <paramref name="position"/>, growing the file if it ends past the data. A
    /// write that raced a cut is done again under the gate (<see cref="MappedView.WriteAgain"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void WriteCore(long position, ReadOnlySpan<byte> data)
    {
        if (MappedAccess.TryBeginWrite(this, position, data.Length, out MappedAccess access))
        {
            MappedCopy.Copy(ref *access.Pointer, ref MemoryMarshal.GetReference(data), (uint)data.Length);
            Testing.CrashPoints.Hit(Testing.CrashPoints.WriteCopied);
            if (!access.EndWrite(this))
            {
                View.WriteAgain(position, data);
            }

            return;
        }

        WriteSlow(position, data);
    }

    /// <summary>Adds <paramref name="value"/> to the 8-byte cell at <paramref name="position"/>; returns the value before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal unsafe long AtomicAddCore(long position, long value)
    {
        if (MappedAccess.TryBeginUpdate(this, position, sizeof(long), out MappedAccess access))
        {
            if (((nint)access.Pointer & (sizeof(long) - 1)) == 0)
            {
                long old = System.Threading.Interlocked.Add(ref *(long*)access.Pointer, value) - value;
                Testing.CrashPoints.Hit(Testing.CrashPoints.AtomicApplied);
                if (access.EndWrite(this))
                {
                    return old;
                }

                return AtomicAddRaced(position, value, access.Cuts, old);
            }

            MappedAccess.EndUntouched();
        }

        return AtomicAddSlow(position, value);
    }

    /// <summary>
    /// A read the fast path did not complete: at or past the cached end, partly past it, raced by a cut, or refused (a
    /// negative position, a disposed or write-only stream, reported in <see cref="System.IO.RandomAccess"/>'s order).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadSlow(long position, Span<byte> buffer)
    {
        if (position < 0 || !_readable)
        {
            ThrowReadAtRefused(position);
        }

        int read = ReadDeferred(position, buffer);
        return read >= 0 ? read : View.ReadSlow(position, buffer);
    }

    /// <summary>An exact read the fast path did not complete: as <see cref="ReadSlow"/>, and the end of the data before the range's end throws.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReadExactlySlow(long position, Span<byte> buffer)
    {
        if (position < 0 || !_readable)
        {
            ThrowReadAtRefused(position);
        }

        int read = ReadDeferred(position, buffer);
        if (read >= 0)
        {
            if (read < buffer.Length)
            {
                ThrowHelper.ThrowEndOfData(position, buffer.Length, KnownLength);
            }

            return;
        }

        if (!View.ReadWhole(position, buffer, out long length))
        {
            ThrowHelper.ThrowEndOfData(position, buffer.Length, length);
        }
    }

    /// <summary>A write the fast path did not complete: past the end (grow, if allowed), or refused.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(long position, ReadOnlySpan<byte> data)
    {
        if (position < 0)
        {
            ThrowNegativePosition(position);
        }

        _ = WriteTarget.WriteSlow(position, data, append: false);
    }

    /// <summary>An addition the fast path could not begin: the general path says why, or does it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long AtomicAddSlow(long position, long value)
    {
        ThrowIfUnreadable();
        return WriteTarget.AtomicUpdate(position, MappedView.AtomicOp.Add, value);
    }

    /// <summary>
    /// An addition whose end check saw a cut, here or by another process's shrink: it stands unless an erasing cut reached
    /// the cell, in which case it went with the cut bytes and is done again, or the cell lies past the end now, in which case
    /// its bytes are zeroed and the general path refuses it (<see cref="MappedView.UpdateStands"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long AtomicAddRaced(long position, long value, long cuts, long old) =>
        View.UpdateStands(cuts, position, old, unchecked(old + value)) ? old : View.AtomicUpdate(position, MappedView.AtomicOp.Add, value);
}
