using System;
using System.IO;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>What the bytes at a logical position hold.</summary>
    internal enum RecordKind
    {
        /// <summary>Not a record of this position: stale bytes from an earlier lap, a torn write, damage or nothing at all.</summary>
        Invalid,

        /// <summary>An item record (its payload checksum is still to be checked).</summary>
        Item,

        /// <summary>A skip marker: the ring's remaining bytes before a wrap, which hold no item.</summary>
        Marker,
    }

    /// <summary>
    /// Reads and checks the 16-byte record header at <paramref name="phys"/>, which must be the record of logical position
    /// <paramref name="pos"/>: its stamp must equal the position, and the record must end at or before both
    /// <paramref name="limit"/> (the committed tail) and <paramref name="ringEnd"/>. A marker's checksum is checked here;
    /// an item's payload checksum is left to the caller, which checks it on the bytes it hands out.
    /// </summary>
    internal static unsafe RecordKind ReadRecord(byte* b, long pos, long phys, long limit, long ringEnd, out uint length, out uint crc, out long size)
    {
        ulong word = *(ulong*)(b + phys);
        long stamp = *(long*)(b + phys + 8);
        length = (uint)word;
        crc = (uint)(word >> 32);
        size = 0;
        if (stamp != pos)
        {
            return RecordKind.Invalid;
        }

        if ((length & QueueLayout.MarkerFlag) != 0)
        {
            long skip = (long)(length & ~QueueLayout.MarkerFlag) * QueueLayout.RecordAlignment;
            if (skip == 0 || skip > limit - pos || skip > ringEnd - phys || crc != QueueChecksum.Record(length, stamp, default))
            {
                return RecordKind.Invalid;
            }

            size = skip;
            return RecordKind.Marker;
        }

        if (length > QueueLayout.MaxItemLength)
        {
            return RecordKind.Invalid;
        }

        size = QueueLayout.RecordSize(length);
        return size > limit - pos || size > ringEnd - phys ? RecordKind.Invalid : RecordKind.Item;
    }

    /// <summary>The length field of a marker that skips <paramref name="skip"/> bytes.</summary>
    internal static uint MarkerField(long skip) => QueueLayout.MarkerFlag | (uint)(skip / QueueLayout.RecordAlignment);

    /// <summary>
    /// The exception for a record that fails its checks: <see cref="InvalidDataException"/> for damage, unless the record
    /// is not damaged but gone or replaced (a read-only view whose owner moved on, a file shrunk under the ring).
    /// </summary>
    private Exception Corrupt(long pos, long phys, string what)
    {
        if (_state == StateReadOnly && LiveHeadPassed(pos) is { } liveHead)
        {
            // Not damage: a read-only view of a queue that its owner (in this or another process) keeps using. The owner's pops went
            // past this record after the view was opened, so its space may hold a newer record.
            return new InvalidDataException(
                $"The queue '{_stream.Name}' changed under this read-only view: its owner has popped up to logical position {liveHead} " +
                $"since the view was opened, past the record at {pos}, whose space now holds other bytes. The file is not damaged; " +
                "open the queue again to read it as it is now.");
        }

        if (_state != StateReadOnly && !_multiProcess && _view.CachedLength < _ringEnd)
        {
            // Not damage either: another handle or program shrank the file below the ring, and the record went with the cut.
            return new IOException(
                $"The queue file '{_stream.Name}' was shrunk by another handle or program to {_view.CachedLength} bytes, below the " +
                $"end of its ring at {_ringEnd}: the record at logical position {pos} is no longer in the file.");
        }

        WithdrawTrust();
        return new InvalidDataException($"The queue '{_stream.Name}' is damaged at logical position {pos} (file offset {_window + phys}): {what}. " +
            "Nothing from the damaged record on is returned; reopening the queue keeps the items before it.");
    }

    // The head word as the owner last stored it, if it has moved past `pos` (best effort: null when it cannot be read).
    private long? LiveHeadPassed(long pos)
    {
        try
        {
            long head = ReadShared(QueueLayout.HeadWordOffset);
            return head > pos ? head : null;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return null;
        }
    }
}
