using System;
using System.Buffers.Binary;
using System.IO;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>What a scan of the committed records found.</summary>
    /// <param name="End">The logical position after the last valid record (the recovered tail).</param>
    /// <param name="EndPhys">The physical offset of <paramref name="End"/>.</param>
    /// <param name="Count">The valid items between the head and <paramref name="End"/>.</param>
    /// <param name="LastItem">The logical position of the last valid item, or -1.</param>
    /// <param name="Bytes">Payload bytes checked.</param>
    internal readonly record struct ScanResult(long End, long EndPhys, long Count, long LastItem, long Bytes);

    /// <summary>The outcome of reading both header slots.</summary>
    internal readonly record struct HeaderState(
        QueueSlot Slot,
        int SlotOffset,
        QueueSlotCodec.Problem SlotA,
        QueueSlotCodec.Problem SlotB,
        long HotHead,
        long HotTail,
        bool HotValid);

    /// <summary>
    /// Reads the header, reconciles the file size with it, takes ownership, and recovers the cursors: from the hot
    /// words when they are consistent with the newest valid slot, else from that slot's checkpoint; then scans the
    /// records from the head and keeps them up to the first invalid one. When the scan had to cut the tail or the hot
    /// words were unusable, the recovered state is written back (slot first, then the words), which makes recovery
    /// idempotent: a crash while repairing leads to the same state on the next open.
    /// </summary>
    private void Load()
    {
        bool writable = _state != StateReadOnly;
        HeaderState header = ReadHeader(_stream, _stream.Name);
        QueueSlot slot = header.Slot;

        long length = _view.Length;
        if (writable && length < slot.FileSize)
        {
            // Truncated behind our back: give the file its size again; the lost bytes read as zeros and fail their checks.
            _stream.Resize(slot.FileSize);
        }
        else if (writable && _ownsStream && length > slot.FileSize)
        {
            // A growth or shrink stopped between changing the file and committing the header: the extra bytes are unused.
            TryTruncate(slot.FileSize);
        }

        if (writable)
        {
            AcquireOwnership();
        }

        // Re-read the words now that this instance owns the file.
        header = ReadHeader(_stream, _stream.Name);
        slot = header.Slot;
        _slot = slot;
        _activeSlotOffset = header.SlotOffset;
        _ringSize = slot.RingSize;
        _ringEnd = slot.RingEnd;

        long head = header.HotValid ? header.HotHead : slot.Head;
        long tail = header.HotValid ? header.HotTail : slot.Tail;
        long readable = Math.Min(_view.Length, slot.FileSize);
        ScanResult scan = Scan(slot, head, tail, readable, _scanProgress);
        _loadedHeader = header;
        _loadedScan = scan;
        _loadedTail = tail;

        _head = head;
        _headPhys = slot.PhysicalOf(head);
        _tail = scan.End;
        _tailPhys = scan.EndPhys;
        _count = scan.Count;
        _lastPos = scan.LastItem;

        if (writable && (!header.HotValid || scan.End != tail))
        {
            Repair();
        }
    }

    /// <summary>Writes the recovered cursors: a checkpoint slot first, then the hot words.</summary>
    private unsafe void Repair()
    {
        WriteSlot(_slot with { Sequence = _slot.Sequence + 1, Head = _head, Tail = _tail, Count = _count, Flags = 0 });
        CrashPoints.Hit(CrashPoints.RecoverFlipped);
        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;
        System.Threading.Volatile.Write(ref *(long*)(b + QueueLayout.HeadWordOffset), _head);
        System.Threading.Volatile.Write(ref *(long*)(b + QueueLayout.TailWordOffset), _tail);
        _view.EndAccess(access);
        if (_durability != QueueDurability.None)
        {
            SyncHeader();
        }
    }

    /// <summary>Reads both slots and the hot words; throws <see cref="InvalidDataException"/> when no slot is valid.</summary>
    internal static HeaderState ReadHeader(MappedFileStream stream, string name)
    {
        Span<byte> header = stackalloc byte[QueueLayout.HeaderSize];
        header.Clear();
        int read = stream.ReadAt(0, header);
        ReadOnlySpan<byte> bytes = header[..read];
        QueueSlotCodec.Problem a = QueueSlotCodec.TryDecode(Slice(bytes, QueueLayout.SlotAOffset), out QueueSlot slotA);
        QueueSlotCodec.Problem b = QueueSlotCodec.TryDecode(Slice(bytes, QueueLayout.SlotBOffset), out QueueSlot slotB);
        QueueSlot slot;
        int offset;
        if (a == QueueSlotCodec.Problem.None && (b != QueueSlotCodec.Problem.None || slotA.Sequence >= slotB.Sequence))
        {
            slot = slotA;
            offset = QueueLayout.SlotAOffset;
        }
        else if (b == QueueSlotCodec.Problem.None)
        {
            slot = slotB;
            offset = QueueLayout.SlotBOffset;
        }
        else
        {
            throw NoValidSlot(name, a, b, read);
        }

        long hotHead = read >= QueueLayout.HeadWordOffset + 8 ? BinaryPrimitives.ReadInt64LittleEndian(header[QueueLayout.HeadWordOffset..]) : 0;
        long hotTail = read >= QueueLayout.TailWordOffset + 8 ? BinaryPrimitives.ReadInt64LittleEndian(header[QueueLayout.TailWordOffset..]) : 0;
        bool hotValid = hotHead >= slot.Head
            && hotTail >= slot.Tail
            && hotTail >= hotHead
            && hotTail - hotHead <= slot.RingSize
            && ((hotHead - slot.Base) & (QueueLayout.RecordAlignment - 1)) == 0
            && ((hotTail - slot.Base) & (QueueLayout.RecordAlignment - 1)) == 0;
        return new HeaderState(slot, offset, a, b, hotHead, hotTail, hotValid);
    }

    /// <summary>
    /// Walks the records from <paramref name="head"/> towards <paramref name="tail"/>, validating each one's stamp, bounds
    /// and checksum, and stops at the first that fails. Bounded by the ring size; allocates nothing.
    /// </summary>
    internal unsafe ScanResult Scan(QueueSlot geometry, long head, long tail, long readable, IProgress<long>? progress)
    {
        long pos = head;
        long phys = geometry.PhysicalOf(head);
        long ringEnd = geometry.RingEnd;
        long count = 0;
        long last = -1;
        long bytes = 0;
        long reported = 0;
        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;
        while (pos < tail && phys + QueueLayout.RecordHeaderSize <= readable)
        {
            RecordKind kind = ReadRecord(b, pos, phys, tail, ringEnd, out uint length, out uint crc, out long size);
            if (kind == RecordKind.Invalid || (kind == RecordKind.Item && phys + QueueLayout.RecordHeaderSize + length > readable))
            {
                break;
            }

            if (kind == RecordKind.Item)
            {
                if (QueueChecksum.Record(length, pos, new ReadOnlySpan<byte>(b + phys + QueueLayout.RecordHeaderSize, (int)length)) != crc)
                {
                    break;
                }

                last = pos;
                count++;
                bytes += length;
            }

            pos += size;
            phys += size;
            if (phys == ringEnd)
            {
                phys = QueueLayout.RingStart;
            }

            if (progress is not null && pos - reported >= 16L << 20)
            {
                reported = pos;
                progress.Report(pos - head);
            }
        }

        _view.EndAccess(access);
        progress?.Report(pos - head);
        return new ScanResult(pos, phys, count, last, bytes);
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> bytes, int offset) =>
        bytes.Length >= offset + QueueLayout.SlotSize ? bytes.Slice(offset, QueueLayout.SlotSize) : [];

    private static InvalidDataException NoValidSlot(string name, QueueSlotCodec.Problem a, QueueSlotCodec.Problem b, int read)
    {
        if (a == QueueSlotCodec.Problem.UnsupportedVersion || b == QueueSlotCodec.Problem.UnsupportedVersion)
        {
            return new InvalidDataException($"'{name}' is a queue of a format version this library does not read.");
        }

        if (a is QueueSlotCodec.Problem.NoMagic or QueueSlotCodec.Problem.Missing && b is QueueSlotCodec.Problem.NoMagic or QueueSlotCodec.Problem.Missing)
        {
            return new InvalidDataException(
                $"'{name}' is not an Emmap.Streams queue: neither header slot starts with the queue magic ({read} header bytes read).");
        }

        return new InvalidDataException(
            $"'{name}' is damaged beyond recovery: neither header slot is valid (slot A: {a}, slot B: {b}).");
    }

    private void TryTruncate(long size)
    {
        try
        {
            _stream.Resize(size);
        }
        catch (IOException)
        {
            // Surplus bytes past the queue are harmless; trimming is retried at the next open or purge.
        }
    }
}
