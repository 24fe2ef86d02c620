using System;
using System.Buffers.Binary;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>How many times a live snapshot scans again after a scan that the queue moved under (one more scan in all).</summary>
    internal const int SnapshotRetries = 20;

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
        if (!writable && slot.Version == QueueLayout.SharedVersion && RangeLocks.OthersPresent(LockFile, PresenceByte, _stream.Name))
        {
            LoadLiveSnapshot();
            return;
        }

        // A file shorter than its header says lost records: no checkpoint vouches for it, even once a writable open has given it
        // its size back. Only records wholly inside the bytes it had are kept, by a read-only open (which restores nothing and
        // must not read past the file's end) and a writable one alike.
        long present = _view.Length;
        bool wasTruncated = present < slot.FileSize;
        if (writable && wasTruncated)
        {
            // Truncated behind our back: give the file its size again (the owner word included). A file in use by another writer
            // is never shorter than its header says, so this disturbs none.
            RestoreSize(slot.FileSize);
        }

        // Ownership before trimming: bytes past the slot's size may be a growth in progress by another writer.
        if (writable)
        {
            AcquireOwnership();
            ThrowIfDeleted();
        }

        if (writable && _ownsStream && _view.Length > slot.FileSize)
        {
            // A growth or shrink stopped between changing the file and committing the header: the extra bytes are unused.
            TryTruncate(slot.FileSize);
        }

        // Re-read the words now that this instance owns the file.
        header = ReadHeader(_stream, _stream.Name);
        slot = header.Slot;
        if (writable && _view.Length < slot.FileSize)
        {
            // A slot the first read did not choose names a larger file: the queue must never run on a ring the file lacks.
            wasTruncated = true;
            RestoreSize(slot.FileSize);
        }

        _slot = slot;
        _activeSlotOffset = header.SlotOffset;
        _ringSize = slot.RingSize;
        _ringEnd = slot.RingEnd;

        long head = header.HotValid ? header.HotHead : slot.Head;
        long tail = header.HotValid ? header.HotTail : slot.Tail;
        _loadedLength = _view.Length;
        long readable = Math.Min(Math.Min(_loadedLength, present), slot.FileSize);
        ScanResult scan;
        _loadedTrustable = !wasTruncated && CanTrustCheckpoint(header, readable, writable);
        if (!_fullScan && !_multiProcess && _loadedTrustable)
        {
            // A clean close's exact checkpoint, still matching the cursor words: the count and last item need no scan (a
            // queue of 10 million items reopens in O(1)). The records' checksums are checked as they are popped or peeked,
            // and wherever the queue would act on the count being 0, the records are looked at first (NoItems).
            scan = new ScanResult(slot.Tail, slot.PhysicalOf(slot.Tail), slot.Count, slot.Count == 0 ? -1 : slot.LastItem, Bytes: 0);
            _trustedCheckpoint = true;
            CountFromCheckpoint = true;
        }
        else
        {
            scan = Scan(slot, head, tail, readable, _scanProgress);
        }

        _loadedHeader = header;
        _loadedScan = scan;
        _loadedTail = tail;

        _head = head;
        _headPhys = slot.PhysicalOf(head);
        _tail = scan.End;
        _tailPhys = scan.EndPhys;
        _count = scan.Count;
        _lastPos = scan.LastItem;
        UpdatePushEnd();

        if (writable && (!header.HotValid || scan.End != tail))
        {
            Repair();
        }
    }

    /// <summary>
    /// A read-only open of a queue that other processes are using in shared mode (<c>emmap queue FILE info|verify</c> on a live
    /// queue): takes the cursors, scans, and keeps the result only if nothing moved under the scan in a way that could fake
    /// damage: the geometry generation is unchanged, and if the scan stopped before the tail, the head has not passed the point
    /// where it stopped (a record there may have been popped and its space reused meanwhile). Otherwise it scans again, up to
    /// <see cref="SnapshotRetries"/> times, pausing a millisecond before each scan after the third; the result is a snapshot of
    /// a moving queue, and says so if even the last scan saw it move. Takes no lock and writes nothing.
    /// </summary>
    private void LoadLiveSnapshot()
    {
        for (int attempt = 0; ; attempt++)
        {
            long generation = ReadShared(QueueLayout.GenerationOffset);
            HeaderState header = ReadHeader(_stream, _stream.Name);
            QueueSlot slot = header.Slot;
            long head = header.HotValid ? header.HotHead : slot.Head;
            long tail = header.HotValid ? header.HotTail : slot.Tail;
            _slot = slot;
            _activeSlotOffset = header.SlotOffset;
            _ringSize = slot.RingSize;
            _ringEnd = slot.RingEnd;
            CrashPoints.Hit(CrashPoints.SnapshotHeaderRead);
            long length = _view.Length;
            ScanResult scan = Scan(slot, head, tail, Math.Min(length, slot.FileSize), _scanProgress);
            bool moved = ReadShared(QueueLayout.GenerationOffset) != generation
                || !header.HotValid
                || (scan.End != tail && ReadShared(QueueLayout.HeadWordOffset) > scan.End);
            if (moved && attempt < SnapshotRetries)
            {
                if (attempt >= 2)
                {
                    // The queue keeps moving: give the processor to whoever is in the middle of a change, so it can finish.
                    Thread.Sleep(1);
                }

                continue;
            }

            _loadedHeader = header;
            _loadedScan = scan;
            _loadedTail = moved ? scan.End : tail;
            _loadedLength = length;
            _liveSnapshot = true;
            _snapshotMoved = moved;
            _head = head;
            _headPhys = slot.PhysicalOf(head);
            _tail = scan.End;
            _tailPhys = scan.EndPhys;
            _count = scan.Count;
            _lastPos = scan.LastItem;
            UpdatePushEnd();
            return;
        }
    }

    /// <summary>
    /// Whether the newest slot is a clean close's exact checkpoint that the file still matches: nothing was pushed or popped since
    /// (the cursor words equal the checkpoint), the file has all its bytes, no process has the queue open (a writable open holds
    /// the owner word itself; a read-only one finds it free or naming a dead process), the last item's record header is where
    /// the checkpoint says and only skip markers follow it up to the tail, and no process of a shared session saw a damaged
    /// record. Anything else, and the open scans as it does after a crash.
    /// </summary>
    private bool CanTrustCheckpoint(in HeaderState header, long readable, bool writable)
    {
        QueueSlot slot = header.Slot;
        return slot.IsExactCheckpoint
            && header.HotValid
            && header.HotHead == slot.Head
            && header.HotTail == slot.Tail
            && readable == slot.FileSize
            && (writable || !OwnerMayBeUsingQueue())
            && (slot.Count == 0 || LastItemEndsQueue(slot))
            && (slot.Version != QueueLayout.SharedVersion || ReadShared(QueueLayout.DamageSeenOffset) == 0);
    }

    /// <summary>Whether the owner word names this process or another live one (a read-only open then takes no checkpoint on trust).</summary>
    private bool OwnerMayBeUsingQueue()
    {
        long owner = _stream.AtomicReadCore(QueueLayout.OwnerWordOffset);
        return owner != 0 && (owner == ProcessStamp.Current || ProcessStamp.IsAlive(owner));
    }

    /// <summary>
    /// Whether the checkpoint's last item is an item record (stamp, length and bounds check out; its payload checksum is checked
    /// when it is read) between the cursors, followed by nothing but at most one skip marker up to the tail, as every clean close
    /// leaves it. Reads two record headers at most.
    /// </summary>
    private unsafe bool LastItemEndsQueue(in QueueSlot slot)
    {
        long last = slot.LastItem;
        if (last < slot.Head || last >= slot.Tail || ((last - slot.Base) & (QueueLayout.RecordAlignment - 1)) != 0)
        {
            return false;
        }

        long ringEnd = slot.RingEnd;
        long phys = slot.PhysicalOf(last);
        MappedAccess access = _view.BeginAccess();
        bool ends = false;
        if (ReadRecord(access.Pointer, last, phys, slot.Tail, ringEnd, out _, out _, out long size) == RecordKind.Item)
        {
            long pos = last + size;
            phys += size;
            if (phys == ringEnd)
            {
                phys = QueueLayout.RingStart;
            }

            ends = pos == slot.Tail
                || (ReadRecord(access.Pointer, pos, phys, slot.Tail, ringEnd, out _, out _, out long skip) == RecordKind.Marker && pos + skip == slot.Tail);
        }

        _view.EndAccess(access);
        return ends;
    }

    /// <summary>
    /// A record failed its check: make the next open scan (and so keep only the items before the damage). In single-process
    /// mode an exact checkpoint in force loses its flag at once (so a crash from here on leads to a scanning open) and the close
    /// writes none; in shared mode the damage word tells the last process to close not to write one, and a later single-process
    /// open not to take the one in force. Best effort; never throws.
    /// </summary>
    private unsafe void WithdrawTrust()
    {
        if (_state is StateReadOnly or StateDisposed)
        {
            return;
        }

        try
        {
            if (_multiProcess)
            {
                MappedAccess access = _view.BeginAccess();
                Volatile.Write(ref *(long*)(access.Pointer + QueueLayout.DamageSeenOffset), 1);
                EndHeaderAccess(access);
                return;
            }

            // A count taken on trust stays so: nothing has checked it, and taken as the queue's own it would let a pop, a
            // purge or a push drop the intact items before the damage.
            _damageSeen = true;
            if (_slot.IsExactCheckpoint)
            {
                FlipSlot(_slot with { Sequence = _slot.Sequence + 1, Head = _head, Tail = _tail, Count = _count, Flags = 0, LastItem = 0 });
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Whether no item lies between the head and the tail. That is <c>_count == 0</c>, except while the count was taken on trust
    /// from a checkpoint (nothing has checked it against the records): then the records are looked at first, and a count the
    /// records contradict is replaced by a full recount, as recovery would have done. So a wrong checkpoint can hide nothing
    /// that a push, a purge or growth would then overwrite. A count above 0 stands while the last item is not popped; once the head
    /// has passed it, every item is gone whatever the count says, and the records decide. In shared mode the count comes from
    /// the pushed and popped words, which no checksum covers: a count of 0 with records left between the cursors is checked
    /// too, and one the records contradict is reported as damage (the words cannot be recounted while other processes use
    /// them) rather than taken for an empty queue whose items would then be dropped.
    /// </summary>
    private bool NoItems()
    {
        if (_multiProcess)
        {
            if (!SharedCountContradicted())
            {
                return _count == 0;
            }

            WithdrawTrust();
            throw new InvalidDataException(
                $"The queue '{_stream.Name}' is damaged: its shared counts ({_pushed} pushed, {_popped} popped) say it is empty, but items " +
                $"lie between its head ({_head}) and its tail ({_tail}). Close it in every process; the next open recounts its items.");
        }

        if (!_trustedCheckpoint)
        {
            return _count == 0;
        }

        if (_count != 0 && _head <= _lastPos)
        {
            return false;
        }

        if (OnlyMarkersToTail() && _count == 0)
        {
            // Confirmed by the records: from here on the count is the queue's own.
            _trustedCheckpoint = false;
            return true;
        }

        Recount();
        return _count == 0;
    }

    /// <summary>Whether, in shared mode, the words' count says 0 while an item lies between the head and the tail.</summary>
    private bool SharedCountContradicted() => _count == 0 && _head != _tail && !OnlyMarkersToTail();

    /// <summary>Whether the records between the head and the tail are all skip markers (their headers only are read).</summary>
    private unsafe bool OnlyMarkersToTail()
    {
        long pos = _head;
        long phys = _headPhys;
        bool onlyMarkers = true;
        MappedAccess access = _view.BeginAccess();
        while (pos < _tail && onlyMarkers)
        {
            onlyMarkers = ReadRecord(access.Pointer, pos, phys, _tail, _ringEnd, out _, out _, out long size) == RecordKind.Marker;
            pos += size;
            phys += size;
            if (phys == _ringEnd)
            {
                phys = QueueLayout.RingStart;
            }
        }

        _view.EndAccess(access);
        return onlyMarkers;
    }

    /// <summary>The count while it is taken on trust from a checkpoint: checked against the records first, as <see cref="NoItems"/> does.</summary>
    private long CheckedTrustedCount()
    {
        _ = NoItems();
        return _count;
    }

    /// <summary>
    /// The trusted count disagrees with the records: scan from the head as recovery does, keep what checks out (repairing the
    /// header if the scan stopped before the tail), and stop trusting.
    /// </summary>
    private void Recount()
    {
        _trustedCheckpoint = false;
        ScanResult scan = Scan(_slot, _head, _tail, Math.Min(_view.Length, _slot.FileSize), progress: null);
        _count = scan.Count;
        _lastPos = scan.LastItem;
        if (scan.End != _tail)
        {
            // Only a cut changes the items: a recount that keeps them all leaves a walk in progress valid.
            _version++;
            _tail = scan.End;
            _tailPhys = scan.EndPhys;
            UpdatePushEnd();
            if (_state != StateReadOnly)
            {
                Repair();
            }
        }
    }

    /// <summary>Writes the recovered cursors: a checkpoint slot first, then the hot words.</summary>
    private unsafe void Repair()
    {
        FlipSlot(_slot with { Sequence = _slot.Sequence + 1, Head = _head, Tail = _tail, Count = _count, Flags = 0, LastItem = 0 });
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

        // Slots are decoded from the header as a restored file reads it, zeros past a cut, so that a slot cut inside bytes that
        // were zeros anyway is chosen before the file's size is restored as after (the choice sets the size to restore).
        ReadOnlySpan<byte> bytes = header;
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
        return new HeaderState(slot, offset, a, b, hotHead, hotTail, CursorWordsFit(slot, hotHead, hotTail));
    }

    /// <summary>
    /// Whether cursor words that no checksum covers are consistent with the slot: bounded (so no position arithmetic can
    /// overflow, whatever a forger wrote), not behind the slot's checkpoint (positions never go back), in order, within one
    /// ring of each other, and on record boundaries.
    /// </summary>
    internal static bool CursorWordsFit(in QueueSlot slot, long head, long tail)
    {
        return head >= slot.Head
            && tail >= slot.Tail
            && tail <= QueueLayout.PositionLimit
            && tail >= head
            && tail - head <= slot.RingSize
            && ((head - slot.Base) & (QueueLayout.RecordAlignment - 1)) == 0
            && ((tail - slot.Base) & (QueueLayout.RecordAlignment - 1)) == 0;
    }

    /// <summary>
    /// Walks the records from <paramref name="head"/> towards <paramref name="tail"/>, validating each one's stamp, bounds
    /// and checksum, and stops at the first that fails. Bounded by the ring size. Reads the records with positional reads of
    /// the file (<see cref="RingReader"/>, one native 1 MiB buffer), not through the mapping, and records longer than that
    /// buffer in place.
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
        RingReader ring = default;
        bool scanned = false;
        try
        {
            ring = new RingReader(_view.Entry, _window, readable);
            while (pos < tail)
            {
                // Past the end of a truncated file the ring reads zeros, which are no record.
                RecordKind kind = ReadRecord(
                    ring.At(phys, QueueLayout.RecordHeaderSize), pos, 0, tail, ringEnd - phys, out uint length, out uint crc, out long size);
                if (kind == RecordKind.Invalid)
                {
                    break;
                }

                if (kind == RecordKind.Item)
                {
                    if (phys + QueueLayout.RecordHeaderSize + length > readable)
                    {
                        // Past the bytes the file has (cut short): not a record, even if the lost bytes were zeros. The readers
                        // go through the mapping, which ends with the file.
                        break;
                    }

                    uint sum;
                    if (length <= RingReader.Capacity - QueueLayout.RecordHeaderSize)
                    {
                        byte* record = ring.At(phys, QueueLayout.RecordHeaderSize + (int)length);
                        sum = QueueChecksum.Record(length, pos, new ReadOnlySpan<byte>(record + QueueLayout.RecordHeaderSize, (int)length));
                    }
                    else
                    {
                        // Longer than the reader's buffer: checked in place, through the mapping.
                        long payload = phys + QueueLayout.RecordHeaderSize;
                        sum = QueueChecksum.Record(length, pos, new ReadOnlySpan<byte>(b + payload, (int)length));
                    }

                    if (sum != crc)
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

            scanned = true;
        }
        finally
        {
            ring.Dispose();
            if (!scanned)
            {
                _ = access.End();
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

    /// <summary>Whether a file of <paramref name="length"/> bytes whose header names <paramref name="size"/> was cut short by more than a writable open gives back (<see cref="MaxRestoredGrowth"/>, or the file's own length if more).</summary>
    private static bool CutBeyondRestore(long length, long size) => size - length > Math.Max(length, MaxRestoredGrowth);

    /// <summary>
    /// Gives a file cut short its header's size again, unless the header names far more than the file has: a checksummed
    /// slot is no licence to reserve disk space without bound (a forged or damaged one could name terabytes). Such a file is
    /// refused with <see cref="InvalidDataException"/> and left as it is; a read-only open still reads the items it holds. So
    /// is a file cut short in a stream that cannot change its length (<see cref="MapOptions.FixedSize"/>, a bounded
    /// window).
    /// </summary>
    private void RestoreSize(long size)
    {
        long length = _view.Length;
        if (CutBeyondRestore(length, size))
        {
            throw new InvalidDataException(
                $"'{_stream.Name}' has {length} bytes but its header names {size}: it was cut short by more than a writable open " +
                "restores. Open it read-only to read the items it still holds, or extend the file to that size to recover it.");
        }

        if (!_view.CanChangeLength)
        {
            throw new InvalidDataException(
                $"'{_stream.Name}' has {length} bytes but its header names {size}: it was cut short, and this stream cannot be given " +
                "its size back (MapOptions.FixedSize, or a bounded window). Open it read-only to read the items it still holds, " +
                "or open it with a stream that can grow to recover it.");
        }

        try
        {
            _stream.Resize(size);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // The file system cannot hold a file that large (EFBIG): the header is not this file's.
            throw new InvalidDataException($"'{_stream.Name}' names a size of {size} bytes in its header, which the file system cannot hold.", ex);
        }
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
