using System;
using System.Threading;
using Emmap.Streams.Testing;

namespace Emmap.Streams.Mapping;

/// <summary>Atomic operations on aligned 64-bit cells of the view, through the access protocol.</summary>
internal sealed unsafe partial class MappedView
{
    /// <summary>The kinds of atomic read-modify-write operation on a 64-bit cell.</summary>
    internal enum AtomicOp
    {
        Add,
        And,
        Or,
        Xor,
        Exchange,
        CompareExchange,
    }

    /// <summary>
    /// Applies <paramref name="op"/> to the cell at <paramref name="position"/> and returns the value it held before. The
    /// operation happens exactly once or not at all: if a shrink cut the whole cell while it ran, its effect went with the cut
    /// bytes and it is tried again (and then fails if the cell is no longer inside the data); see <see cref="UpdateStands"/>
    /// for a cut that began inside the cell.
    /// </summary>
    internal long AtomicUpdate(long position, AtomicOp op, long value, long comparand = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        while (true)
        {
            if (!MappedAccess.TryBegin(State, Offset, Volatile.Read(ref _writeLimit), position, sizeof(long), out MappedAccess access))
            {
                CellUnavailable(position, forWrite: true);
                continue;
            }

            if (((Offset + position) & (sizeof(long) - 1)) != 0)
            {
                // Refused: nothing was touched, and the access must not outlive the call.
                access.EndUnchecked();
                CheckAlignment(position);
            }

            ref long cell = ref *(long*)access.Pointer;
            long old = op switch
            {
                AtomicOp.Add => Interlocked.Add(ref cell, value) - value,
                AtomicOp.And => Interlocked.And(ref cell, value),
                AtomicOp.Or => Interlocked.Or(ref cell, value),
                AtomicOp.Xor => Xor(ref cell, value),
                AtomicOp.Exchange => Interlocked.Exchange(ref cell, value),
                _ => Interlocked.CompareExchange(ref cell, value, comparand),
            };

            CrashPoints.Hit(CrashPoints.AtomicApplied);
            if (access.EndWrite() || UpdateStands(access.Cuts, position, old, Updated(op, old, value, comparand)))
            {
                return old;
            }
        }
    }

    /// <summary>Stores <paramref name="value"/> if the cell equals <paramref name="comparand"/>; returns the value it held before.</summary>
    internal long AtomicCompareExchange(long position, long value, long comparand) =>
        AtomicUpdate(position, AtomicOp.CompareExchange, value, comparand);

    /// <summary>Reads the cell with acquire semantics; works on read-only handles (no locked instruction).</summary>
    internal long AtomicRead(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        while (true)
        {
            if (!MappedAccess.TryBegin(State, Offset, Volatile.Read(ref _limit), position, sizeof(long), out MappedAccess access))
            {
                CellUnavailable(position, forWrite: false);
                continue;
            }

            if (((Offset + position) & (sizeof(long) - 1)) != 0)
            {
                // Refused: nothing was touched, and the access must not outlive the call.
                access.EndUnchecked();
                CheckAlignment(position);
            }

            long value = Volatile.Read(ref *(long*)access.Pointer);
            if (access.End() || RangeUntouched(access.Cuts, position, sizeof(long)))
            {
                return value;
            }
        }
    }

    /// <summary>
    /// For an update whose end check saw a cut, in this process or by another process's shrink: takes in the shared length,
    /// then says whether the update stands. It does unless a cut of this process that began at or below the cell happened
    /// since <paramref name="cuts"/> (it erased the whole cell), or the cell now lies partly or wholly past the end and still
    /// holds what the update stored: then the update is taken back (<see cref="FileEntry.TakeBackUpdate"/>) before it is
    /// tried again, and refused. That holds even for a handle disposed meanwhile, while the file is still open in this process.
    /// </summary>
    /// <param name="cuts">The cut counter the update began with.</param>
    /// <param name="position">The cell's position.</param>
    /// <param name="old">The value the cell held before the update.</param>
    /// <param name="updated">The value the update stored.</param>
    internal bool UpdateStands(long cuts, long position, long old, long updated)
    {
        lock (Entry.Gate)
        {
            long fileOffset = Offset + position;
            if (!State.IsPrivate && !Entry.IsClosed)
            {
                Refresh();
                if (fileOffset + sizeof(long) > Volatile.Read(ref State.Length) && Entry.TakeBackUpdate(State, fileOffset, old, updated))
                {
                    return false;
                }
            }

            // Only a cut that began at or below the cell erased all of it, and the update with it. One that began inside the cell
            // zeroed its bytes from there on and spared the others: the update came first and stands, whether the file grew
            // back since (trying it again would apply it twice to the bytes the cut spared) or the cell is still partly past
            // the end (a shared mapping of an open file took the update back above if the cell still held what it stored).
            return State.Untouched(cuts, fileOffset + 1);
        }
    }

    // The value an update stored, given the one it found.
    private static long Updated(AtomicOp op, long old, long value, long comparand) => op switch
    {
        AtomicOp.Add => unchecked(old + value),
        AtomicOp.And => old & value,
        AtomicOp.Or => old | value,
        AtomicOp.Xor => old ^ value,
        AtomicOp.Exchange => value,
        _ => old == comparand ? value : old,
    };

    private static long Xor(ref long cell, long value)
    {
        long current = Volatile.Read(ref cell);
        while (true)
        {
            long seen = Interlocked.CompareExchange(ref cell, current ^ value, current);
            if (seen == current)
            {
                return seen;
            }

            current = seen;
        }
    }

    private void CheckAlignment(long position)
    {
        long fileOffset = Offset + position;
        if ((fileOffset & (sizeof(long) - 1)) != 0)
        {
            throw new ArgumentException(
                $"Atomic cells must be 8-byte aligned in the file: position {position} is file offset {fileOffset}" +
                (Offset == 0 ? "." : $" (the window starts at file offset {Offset})."),
                nameof(position));
        }
    }

    // The range check failed: say why (disposed, read-only, outside the data), unless another process has grown the file
    // meanwhile, in which case the caller tries again.
    private void CellUnavailable(long position, bool forWrite)
    {
        ThrowIfDisposed();
        if (forWrite && !Writable)
        {
            ThrowHelper.ThrowReadOnly();
        }

        long length;
        lock (Entry.Gate)
        {
            Refresh();
            length = CachedLength;
        }

        if (position > length - sizeof(long))
        {
            throw new ArgumentOutOfRangeException(
                nameof(position), position, $"An 8-byte cell at {position} does not fit in the stream's {length} bytes.");
        }
    }
}
