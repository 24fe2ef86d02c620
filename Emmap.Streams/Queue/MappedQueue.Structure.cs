using System;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>The unit of a growth by what a record needs only, when the growth policy's size does not fit on the disk.</summary>
    private const long LeastGrowthUnit = 4096;

    /// <summary>
    /// If the queue is empty, gives back the space it grew into: the file shrinks to its initial size (emmap <c>purge/1</c>).
    /// </summary>
    /// <returns><see langword="true"/> if the queue was empty (and is now purged); <see langword="false"/> if it holds items, which are left alone.</returns>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>Shrinking is best effort: if the file cannot be truncated (for example, a view of it is still open), the queue uses
    /// its initial size anyway and the surplus bytes are given back later.</remarks>
    public bool Purge()
    {
        ThrowIfCannotWrite();
        if (_multiProcess)
        {
            return Shared(this, static q => q.PurgeHeld());
        }

        return PurgeHeld();
    }

    private bool PurgeHeld()
    {
        if (!NoItems())
        {
            return false;
        }

        PurgeCore();
        return true;
    }

    /// <summary>Removes every item and purges the queue (emmap <c>erase/1</c>).</summary>
    /// <exception cref="IOException">A durable flush failed; the items stay in the queue. In a <see cref="QueueOptions.MultiProcess"/>
    /// session the erase is committed before its header is flushed (other processes may act on it at once), so it stands, and
    /// the exception says it may not survive power loss.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>One store of the head word drops all items at once, so a crash leaves either all of them or none.</remarks>
    public void Erase()
    {
        ThrowIfCannotWrite();
        if (_multiProcess)
        {
            _ = Shared(this, static q => q.EraseHeld());
            return;
        }

        _ = EraseHeld();
    }

    private bool EraseHeld()
    {
        // The cursors, not the count, say whether there is anything to erase: a count taken on trust may say 0 over items.
        if (_head != _tail)
        {
            long oldHead = _head;
            long oldHeadPhys = _headPhys;
            long oldCount = _count;
            StoreHeadAny(_tail, _count);
            CrashPoints.Hit(CrashPoints.EraseCommitted);
            _head = _tail;
            _headPhys = _tailPhys;
            _count = 0;
            _version++;
            if (_multiProcess)
            {
                AfterSharedCommit(_tail - oldHead, "erased");
            }
            else if (_durability != QueueDurability.None)
            {
                try
                {
                    AfterHeadMoved(_tail - oldHead);
                }
                catch (IOException)
                {
                    StoreHead(oldHead);
                    _head = oldHead;
                    _headPhys = oldHeadPhys;
                    _count = oldCount;
                    _version++;
                    throw;
                }
            }
        }

        PurgeCore();
        return true;
    }

    /// <summary>
    /// Shrinks an empty queue back to its initial size (and trims surplus file bytes), and moves its cursors to the ring start;
    /// errors are swallowed.
    /// </summary>
    private void PurgeCore()
    {
        if (_head != _tail)
        {
            SetHead(_tail, _tailPhys);
        }

        try
        {
            if (_slot.FileSize > _slot.InitialSize)
            {
                long initial = _slot.InitialSize;
                FlipSlot(_slot with
                {
                    Sequence = _slot.Sequence + 1,
                    FileSize = initial,
                    RingSize = QueueLayout.RingSizeFor(initial),
                    Base = _head,
                    Head = _head,
                    Tail = _tail,
                    Count = 0,
                    Flags = 0,
                    LastItem = 0,
                });
                CrashPoints.Hit(CrashPoints.ShrinkFlipped);
            }

            if (_view.Length > _slot.FileSize)
            {
                TryTruncate(_slot.FileSize);
                CrashPoints.Hit(CrashPoints.ShrinkTruncated);
            }

            if (_tailPhys != QueueLayout.RingStart && _ringEnd - _tailPhys <= QueueLayout.MaxMarkerSkip)
            {
                // As emmap resets its offsets: the next items start at the ring start, with the whole ring ahead of them. Not
                // where the rest of a ring of over 32 GiB is more than one marker can skip: the queue is empty, and the next
                // pushes wrap with markers of their own size.
                Reposition();
            }
        }
        catch (IOException)
        {
            // Purging only gives space back; the queue is empty and consistent whether or not it happened.
        }
    }

    /// <summary>
    /// Grows the file so that a record of <paramref name="size"/> bytes fits, Tape-style: extend the file, copy the part of the
    /// ring that must move into the new space, then commit a header slot with the new geometry. Until that slot is written the
    /// old geometry stays fully valid (nothing inside the old ring is modified), and logical positions do not change, so the
    /// cursor words are right under both geometries. The file grows by the growth policy, or, when that does not fit on the
    /// disk, by what the record needs only. Returns false for a fixed-size queue.
    /// </summary>
    private bool TryGrow(long size)
    {
        if (_fixedSize)
        {
            return false;
        }

        GrowthPlan plan = PlanGrowth(size, least: false);
        try
        {
            _stream.Resize(plan.Target);
        }
        catch (IOException ex) when (NativeErrors.IsNoSpace(ex))
        {
            GrowthPlan least = PlanGrowth(size, least: true);
            if (least.Target >= plan.Target || least.Target <= _slot.FileSize)
            {
                throw;
            }

            plan = least;
            _stream.Resize(plan.Target);
        }

        CrashPoints.Hit(CrashPoints.GrowExtended);
        if (plan.CopyLength > 0)
        {
            long half = plan.CopyLength / 2 / QueueLayout.RecordAlignment * QueueLayout.RecordAlignment;
            Copy(plan.CopyFrom, plan.CopyTo, half);
            CrashPoints.Hit(CrashPoints.GrowCopying);
            Copy(plan.CopyFrom + half, plan.CopyTo + half, plan.CopyLength - half);

            // The slot below makes the copy the only place of the records it moves. In shared mode they may be another
            // process's, acknowledged in a durable mode, so the copy reaches the device first whatever this process's mode.
            if (_durability != QueueDurability.None || _multiProcess)
            {
                _view.Sync(plan.CopyTo, plan.CopyLength, wait: true);
            }
        }

        CrashPoints.Hit(CrashPoints.GrowCopied);
        FlipSlot(_slot with
        {
            Sequence = _slot.Sequence + 1,
            FileSize = plan.Target,
            RingSize = QueueLayout.RingSizeFor(plan.Target),
            Base = plan.NewBase,
            Head = _head,
            Tail = _tail,
            Count = _count,
            Flags = 0,
            LastItem = 0,
        });
        CrashPoints.Hit(CrashPoints.GrowFlipped);
        return true;
    }

    /// <summary>
    /// Works out a growth that makes room for a record of <paramref name="size"/> bytes: the new file size and what moves. The
    /// sizes follow the growth policy, or with <paramref name="least"/> are the least that hold the ring's items and the record.
    /// </summary>
    private GrowthPlan PlanGrowth(long size, bool least)
    {
        long used = _tail - _head;
        long hp = _headPhys;
        long oldEnd = _ringEnd;
        if (NoItems())
        {
            // Empty: map the head to the ring start of the larger ring; nothing moves.
            return new GrowthPlan(FileSizeFor(size, least), _head, 0, 0, 0);
        }

        if (hp + used <= oldEnd)
        {
            // The items do not wrap: they keep their place and the ring simply gets longer after them.
            return new GrowthPlan(FileSizeFor((hp - QueueLayout.RingStart) + used + size, least), _head - (hp - QueueLayout.RingStart), 0, 0, 0);
        }

        // The items wrap: either copy the wrapped part (at the ring start) to the old end, or copy the head part (up to the
        // old end) to the new end. Take the one that needs the smaller file, then the smaller copy.
        long headPart = oldEnd - hp;
        long wrappedPart = used - headPart;
        long tape = FileSizeFor(_ringSize + wrappedPart + size, least);
        long move = FileSizeFor(Math.Max(used + size, _ringSize + headPart), least);
        if (tape < move || (tape == move && wrappedPart <= headPart))
        {
            return new GrowthPlan(tape, _head - (hp - QueueLayout.RingStart), QueueLayout.RingStart, oldEnd, wrappedPart);
        }

        long newRing = QueueLayout.RingSizeFor(move);
        return new GrowthPlan(move, _head + headPart - newRing, hp, QueueLayout.RingStart + newRing - headPart, headPart);
    }

    /// <summary>
    /// The file size whose ring holds <paramref name="ringBytes"/>: the growth policy's next size from the current one, or with
    /// <paramref name="least"/> the least whole number of pages.
    /// </summary>
    private long FileSizeFor(long ringBytes, bool least)
    {
        long required = QueueLayout.RingStart + ringBytes;
        if (required > QueueLayout.MaxFileSize)
        {
            throw new IOException($"The queue '{_stream.Name}' cannot grow to {required} bytes: the limit is {QueueLayout.MaxFileSize} bytes.");
        }

        long target = least ? (required + LeastGrowthUnit - 1) & ~(LeastGrowthUnit - 1) : _growth.NextCapacity(_slot.FileSize, required);
        return Math.Min(target, QueueLayout.MaxFileSize);
    }

    private unsafe void Copy(long from, long to, long length)
    {
        if (length == 0)
        {
            return;
        }

        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;
        Buffer.MemoryCopy(b + from, b + to, length, length);
        _view.EndAccess(access);
    }

    /// <summary>
    /// Shared mode, holding both locks: moves the geometry generation at <paramref name="header"/> on and takes its new value,
    /// so that the other processes re-read the slots at their next operation.
    /// </summary>
    private unsafe void AdvanceGeneration(byte* header) =>
        _generation = Interlocked.Increment(ref *(long*)(header + QueueLayout.GenerationOffset));

    /// <summary>
    /// Commits <paramref name="next"/> to the inactive header slot and makes it the active one. A slot is written in two halves
    /// (a crash between them leaves a slot whose checksum fails, so the other slot stays in force). In durable modes the header
    /// is flushed; if that fails the slot's previous bytes are put back and nothing changes. Every slot goes through
    /// <see cref="Decodable"/> first, whatever the write (checkpoint, growth, shrink, repair).
    /// </summary>
    private unsafe void FlipSlot(QueueSlot next)
    {
        next = Decodable(next);
        int target = _activeSlotOffset == QueueLayout.SlotAOffset ? QueueLayout.SlotBOffset : QueueLayout.SlotAOffset;
        Span<byte> image = stackalloc byte[QueueLayout.SlotSize];
        Span<byte> previous = stackalloc byte[QueueLayout.SlotSize];
        QueueSlotCodec.Encode(next, image);
        MappedAccess access = _view.BeginAccess();
        if (_multiProcess)
        {
            // Holding both locks: the generation moves before the slot does, so every other process re-reads the slots.
            AdvanceGeneration(access.Pointer);
        }

        byte* slot = access.Pointer + target;
        new ReadOnlySpan<byte>(slot, QueueLayout.SlotSize).CopyTo(previous);
        image[..(QueueLayout.SlotSize / 2)].CopyTo(new Span<byte>(slot, QueueLayout.SlotSize / 2));
        CrashPoints.Hit(CrashPoints.FlipTorn);
        image[(QueueLayout.SlotSize / 2)..].CopyTo(new Span<byte>(slot + (QueueLayout.SlotSize / 2), QueueLayout.SlotSize / 2));
        if (_multiProcess)
        {
            // And again once the slot is whole: a reader that takes no lock (a live snapshot) and finds the same generation
            // before and after its reads saw no slot change under them, nor the lower length a shrink publishes after this.
            AdvanceGeneration(access.Pointer);
        }

        _view.EndAccess(access);
        CrashPoints.Hit(CrashPoints.FlipWritten);
        if (_durability != QueueDurability.None)
        {
            try
            {
                SyncHeader();
            }
            catch (IOException)
            {
                // The slot's previous bytes go back, and in shared mode the generation moves again, as after any slot write.
                MappedAccess undo = _view.BeginAccess();
                previous.CopyTo(new Span<byte>(undo.Pointer + target, QueueLayout.SlotSize));
                if (_multiProcess)
                {
                    AdvanceGeneration(undo.Pointer);
                }

                _view.EndAccess(undo);
                throw;
            }
        }

        _activeSlotOffset = target;
        _slot = next;
        _ringSize = next.RingSize;
        _ringEnd = next.RingEnd;
        _headPhys = next.PhysicalOf(_head);
        _tailPhys = next.PhysicalOf(_tail);
        UpdatePushEnd();
        _version++;
    }

    /// <summary>
    /// The slot as written: a count the decoder refuses (below 0, or more items than the cursors leave room for) can only come
    /// from counts no scan checked, such as a shared session's. Written as it is, it would make the slot invalid and the older one
    /// win; instead it is brought into range and the slot vouches for nothing (no exact checkpoint), so the next open recounts.
    /// </summary>
    private static QueueSlot Decodable(QueueSlot slot)
    {
        long room = (slot.Tail - slot.Head) / QueueLayout.RecordAlignment;
        return slot.Count >= 0 && slot.Count <= room
            ? slot
            : slot with { Count = Math.Clamp(slot.Count, 0, Math.Max(room, 0)), Flags = slot.Flags & ~QueueSlot.ExactFlag, LastItem = 0 };
    }

    /// <summary>Flushes the header page durably: <c>msync</c> of the header, then <c>fsync</c>.</summary>
    private void SyncHeader()
    {
        _view.Sync(0, QueueLayout.HeaderSize, wait: true);
        _view.SyncFile();
    }
}
