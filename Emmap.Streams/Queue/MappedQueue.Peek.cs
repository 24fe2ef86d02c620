using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Linq;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>The items a walk from the tail locates at a time (see <see cref="MarkBlocks"/>).</summary>
    internal const int ReverseBlock = 4096;

    /// <summary>Returns a copy of the item at the head without removing it (emmap <c>peek_front/1</c>).</summary>
    /// <returns>The item's bytes, or <see langword="null"/> when the queue is empty.</returns>
    /// <exception cref="InvalidDataException">The record fails its checksum.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public byte[]? PeekFront()
    {
        ThrowIfDisposed();
        return _multiProcess ? Shared(this, static q => q.PeekFrontHeld()) : PeekFrontHeld();
    }

    private byte[]? PeekFrontHeld()
    {
        if (NoItems())
        {
            return null;
        }

        long pos = _head;
        long phys = _headPhys;
        NextItem(ref pos, ref phys, out long itemPhys, out uint length, out uint crc, out _);
        return CopyItem(pos, itemPhys, length, crc);
    }

    /// <summary>Returns a copy of the item at the tail without removing it (emmap <c>peek_back/1</c>).</summary>
    /// <returns>The item's bytes, or <see langword="null"/> when the queue is empty.</returns>
    /// <exception cref="InvalidDataException">The record fails its checksum.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public byte[]? PeekBack()
    {
        ThrowIfDisposed();
        return _multiProcess ? Shared(this, static q => q.PeekBackHeld()) : PeekBackHeld();
    }

    private byte[]? PeekBackHeld()
    {
        if (NoItems())
        {
            return null;
        }

        long phys = LocateLast(out uint length, out uint crc);
        return CopyItem(_lastPos, phys, length, crc);
    }

    private unsafe long LocateLast(out uint length, out uint crc)
    {
        if (_damageSeen && _trustedCheckpoint)
        {
            // Damage was seen under a count that nothing has checked: the last item may lie past it, and the next open would
            // drop it. The records from the head are checked first, as a walk from the tail checks them.
            _ = WalkCount();
        }

        if (_lastPos < _head || _lastPos >= _tail)
        {
            // Never reached with a count the records agree with (NoItems looked first): the position is not the queue's.
            throw Corrupt(_lastPos, _slot.PhysicalOf(Math.Max(_lastPos, 0)), "the last item's position is not between the head and the tail");
        }

        long phys = _slot.PhysicalOf(_lastPos);
        MappedAccess access = _view.BeginAccess();
        RecordKind kind = ReadRecord(access.Pointer, _lastPos, phys, _tail, _ringEnd, out length, out crc, out _);
        _view.EndAccess(access);
        if (kind != RecordKind.Item)
        {
            throw Corrupt(_lastPos, phys, "the tail record's header does not check out");
        }

        return phys;
    }

    private unsafe TResult Read<TState, TResult>(long pos, long phys, uint length, uint crc, TState state, Func<ReadOnlySpan<byte>, TState, TResult> reader)
    {
        int version = _version;
        MappedAccess access = _view.BeginAccess();
        ReadOnlySpan<byte> mapped = new(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length);
        if (QueueChecksum.Record(length, pos, mapped) != crc)
        {
            _view.EndAccess(access);
            throw Corrupt(pos, phys, "the item's checksum does not match");
        }

        TResult result;
        try
        {
            result = reader(mapped, state);
        }
        catch
        {
            access.EndUnchecked();
            throw;
        }

        EndCallbackAccess(access, version);
        return result;
    }

    /// <summary>Calls <paramref name="reader"/> with the item at the head, without removing it or copying it.</summary>
    /// <typeparam name="TState">The state passed to the reader.</typeparam>
    /// <typeparam name="TResult">What the reader returns.</typeparam>
    /// <param name="state">Passed to the reader.</param>
    /// <param name="reader">Receives the item's bytes, valid only during the call, and the state.</param>
    /// <param name="result">The reader's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the queue had an item; <see langword="false"/> when it is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The record fails its checksum; the reader is not called.</exception>
    /// <exception cref="InvalidOperationException">The reader changed or disposed the queue.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPeekFront<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> reader, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ThrowIfDisposed();
        if (!_multiProcess)
        {
            return TryPeekFrontHeld(state, reader, out result);
        }

        EnterBoth(reentrancyChecked: true);
        try
        {
            return TryPeekFrontHeld(state, reader, out result);
        }
        finally
        {
            ExitBoth();
        }
    }

    private bool TryPeekFrontHeld<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> reader, [MaybeNullWhen(false)] out TResult result)
    {
        if (NoItems())
        {
            result = default;
            return false;
        }

        long pos = _head;
        long phys = _headPhys;
        NextItem(ref pos, ref phys, out long itemPhys, out uint length, out uint crc, out _);
        result = Read(pos, itemPhys, length, crc, state, reader);
        return true;
    }

    /// <summary>Calls <paramref name="reader"/> with the item at the tail, without removing it or copying it.</summary>
    /// <typeparam name="TState">The state passed to the reader.</typeparam>
    /// <typeparam name="TResult">What the reader returns.</typeparam>
    /// <param name="state">Passed to the reader.</param>
    /// <param name="reader">Receives the item's bytes, valid only during the call, and the state.</param>
    /// <param name="result">The reader's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the queue had an item; <see langword="false"/> when it is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The record fails its checksum; the reader is not called.</exception>
    /// <exception cref="InvalidOperationException">The reader changed or disposed the queue.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPeekBack<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> reader, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ThrowIfDisposed();
        if (!_multiProcess)
        {
            return TryPeekBackHeld(state, reader, out result);
        }

        EnterBoth(reentrancyChecked: true);
        try
        {
            return TryPeekBackHeld(state, reader, out result);
        }
        finally
        {
            ExitBoth();
        }
    }

    private bool TryPeekBackHeld<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> reader, [MaybeNullWhen(false)] out TResult result)
    {
        if (NoItems())
        {
            result = default;
            return false;
        }

        long phys = LocateLast(out uint length, out uint crc);
        result = Read(_lastPos, phys, length, crc, state, reader);
        return true;
    }

    /// <summary>
    /// Visits the items from head to tail without removing them, threading an accumulator through (emmap <c>peek/3</c>);
    /// stops early when <paramref name="folder"/> returns <see langword="false"/>.
    /// </summary>
    /// <typeparam name="TAccumulate">The accumulator's type.</typeparam>
    /// <param name="seed">The initial accumulator.</param>
    /// <param name="folder">Receives each item, valid only during the call (no copy is made), and the accumulator.</param>
    /// <returns>The final accumulator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="folder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The folder changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">A record fails its checksum.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public TAccumulate Peek<TAccumulate>(TAccumulate seed, QueueFolder<TAccumulate> folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ThrowIfDisposed();
        if (!_multiProcess)
        {
            return PeekHeld(seed, folder);
        }

        EnterBoth(reentrancyChecked: true);
        try
        {
            return PeekHeld(seed, folder);
        }
        finally
        {
            ExitBoth();
        }
    }

    private TAccumulate PeekHeld<TAccumulate>(TAccumulate seed, QueueFolder<TAccumulate> folder)
    {
        TAccumulate accumulator = seed;
        int version = _version;
        long pos = _head;
        long phys = _headPhys;
        while (TryNextItem(ref pos, ref phys, out long itemPhys, out uint length, out uint crc, out long size))
        {
            bool more = Visit(pos, itemPhys, length, crc, folder, ref accumulator);
            ThrowIfChanged(version);
            if (!more)
            {
                break;
            }

            Advance(ref pos, ref phys, itemPhys, size);
        }

        return accumulator;
    }

    /// <summary>
    /// Visits the items from tail to head without removing them (emmap <c>rpeek/3</c>); stops early when
    /// <paramref name="folder"/> returns <see langword="false"/>.
    /// </summary>
    /// <typeparam name="TAccumulate">The accumulator's type.</typeparam>
    /// <param name="seed">The initial accumulator.</param>
    /// <param name="folder">Receives each item, valid only during the call, and the accumulator.</param>
    /// <returns>The final accumulator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="folder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The folder changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">A record fails its checksum.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>Records link forwards only, so this first walks the queue once, marking where every block of 4,096 items
    /// starts, then locates one block at a time from the tail and visits its items backwards: memory stays bounded by a block
    /// plus 16 bytes per 4,096 items, whatever the queue holds.</remarks>
    public TAccumulate PeekReverse<TAccumulate>(TAccumulate seed, QueueFolder<TAccumulate> folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ThrowIfDisposed();
        if (!_multiProcess)
        {
            return PeekReverseHeld(seed, folder);
        }

        EnterBoth(reentrancyChecked: true);
        try
        {
            return PeekReverseHeld(seed, folder);
        }
        finally
        {
            ExitBoth();
        }
    }

    private TAccumulate PeekReverseHeld<TAccumulate>(TAccumulate seed, QueueFolder<TAccumulate> folder)
    {
        TAccumulate accumulator = seed;
        long count = WalkCount();
        int version = _version;
        long[] marks = MarkBlocks(count);
        long[] items = ArrayPool<long>.Shared.Rent(4 * (int)Math.Min(count, ReverseBlock));
        try
        {
            for (int block = (marks.Length / 2) - 1; block >= 0; block--)
            {
                for (int i = LocateBlock(items, marks, block, count) - 1; i >= 0; i--)
                {
                    bool more = Visit(items[4 * i], items[(4 * i) + 1], (uint)items[(4 * i) + 2], (uint)items[(4 * i) + 3], folder, ref accumulator);
                    ThrowIfChanged(version);
                    if (!more)
                    {
                        return accumulator;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(items);
        }

        return accumulator;
    }

    /// <summary>Enumerates copies of the items from head to tail without removing them (the enumerable form of emmap <c>peek/3</c>).</summary>
    /// <returns>The items, oldest first. Enumeration fails with <see cref="InvalidOperationException"/> if the queue changes meanwhile
    /// (in a single-process queue; in shared mode it enumerates a snapshot).</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>In shared mode the items are copied out at once, holding the queue's locks, and then enumerated.</remarks>
    public IEnumerable<byte[]> Enumerate()
    {
        ThrowIfDisposed();
        return _multiProcess ? Shared(this, static q => q.EnumerateForward().ToList()) : EnumerateForward();
    }

    /// <summary>Enumerates copies of the items from tail to head without removing them (the enumerable form of emmap <c>rpeek/3</c>).</summary>
    /// <returns>The items, newest first. Enumeration fails with <see cref="InvalidOperationException"/> if the queue changes meanwhile
    /// (in a single-process queue; in shared mode it enumerates a snapshot).</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>In shared mode the items are copied out at once, holding the queue's locks, and then enumerated.</remarks>
    public IEnumerable<byte[]> EnumerateReverse()
    {
        ThrowIfDisposed();
        return _multiProcess ? Shared(this, static q => q.EnumerateBackward().ToList()) : EnumerateBackward();
    }

    private IEnumerable<byte[]> EnumerateForward()
    {
        int version = _version;
        long pos = _head;
        long phys = _headPhys;
        while (true)
        {
            ThrowIfChanged(version);
            if (!TryNextItem(ref pos, ref phys, out long itemPhys, out uint length, out uint crc, out long size))
            {
                break;
            }

            byte[] item = CopyItem(pos, itemPhys, length, crc);
            Advance(ref pos, ref phys, itemPhys, size);
            yield return item;
        }

        ThrowIfChanged(version);
    }

    private IEnumerable<byte[]> EnumerateBackward()
    {
        long count = WalkCount();
        int version = _version;
        long[] marks = MarkBlocks(count);
        long[] items = new long[4 * (int)Math.Min(count, ReverseBlock)];
        for (int block = (marks.Length / 2) - 1; block >= 0; block--)
        {
            // The caller ran between the items: the block is located only in the queue the walk began on.
            ThrowIfChanged(version);
            for (int i = LocateBlock(items, marks, block, count) - 1; i >= 0; i--)
            {
                ThrowIfChanged(version);
                yield return CopyItem(items[4 * i], items[(4 * i) + 1], (uint)items[(4 * i) + 2], (uint)items[(4 * i) + 3]);
            }
        }
    }

    /// <summary>
    /// Walks the first <paramref name="count"/> items once and returns the cursor (position, offset) before every
    /// <see cref="ReverseBlock"/>-th of them, so that a walk from the tail locates one block at a time: records link forwards
    /// only, and locating every item at once would take 32 bytes per item (gigabytes for a queue of a hundred million).
    /// </summary>
    private long[] MarkBlocks(long count)
    {
        int blocks = checked((int)((count + ReverseBlock - 1) / ReverseBlock));
        long[] marks = new long[2 * blocks];
        long pos = _head;
        long phys = _headPhys;
        for (long i = 0; i < count; i++)
        {
            if (i % ReverseBlock == 0)
            {
                int block = (int)(i / ReverseBlock);
                marks[2 * block] = pos;
                marks[(2 * block) + 1] = phys;
            }

            NextItem(ref pos, ref phys, out long itemPhys, out _, out _, out long size);
            Advance(ref pos, ref phys, itemPhys, size);
        }

        return marks;
    }

    /// <summary>
    /// Fills <paramref name="items"/> with (position, offset, length, checksum) of the items of block <paramref name="block"/>
    /// (of <paramref name="count"/> items in all), from its mark; returns how many it holds.
    /// </summary>
    private int LocateBlock(long[] items, long[] marks, int block, long count)
    {
        int n = (int)Math.Min(ReverseBlock, count - ((long)block * ReverseBlock));
        long pos = marks[2 * block];
        long phys = marks[(2 * block) + 1];
        for (int i = 0; i < n; i++)
        {
            NextItem(ref pos, ref phys, out long itemPhys, out uint length, out uint crc, out long size);
            items[4 * i] = pos;
            items[(4 * i) + 1] = itemPhys;
            items[(4 * i) + 2] = length;
            items[(4 * i) + 3] = crc;
            Advance(ref pos, ref phys, itemPhys, size);
        }

        return n;
    }

    /// <summary>
    /// From <paramref name="pos"/>, skips markers (without committing anything) to the next item; on return <paramref name="pos"/>
    /// is the item's position and <paramref name="itemPhys"/> its offset.
    /// </summary>
    private void NextItem(ref long pos, ref long phys, out long itemPhys, out uint length, out uint crc, out long size)
    {
        if (!TryNextItem(ref pos, ref phys, out itemPhys, out length, out crc, out size))
        {
            throw Corrupt(pos, phys, "a record's header does not check out");
        }
    }

    /// <summary>
    /// As <see cref="NextItem"/>, or <see langword="false"/> once <paramref name="pos"/> reaches the tail. The walks over every
    /// item end at the tail, not after as many items as the count says: a count taken on trust from a checkpoint may be wrong,
    /// and such a walk then neither stops short of the tail nor reads past it.
    /// </summary>
    private unsafe bool TryNextItem(ref long pos, ref long phys, out long itemPhys, out uint length, out uint crc, out long size)
    {
        while (pos != _tail)
        {
            MappedAccess access = _view.BeginAccess();
            RecordKind kind = ReadRecord(access.Pointer, pos, phys, _tail, _ringEnd, out length, out crc, out size);
            _view.EndAccess(access);
            if (kind == RecordKind.Item)
            {
                itemPhys = phys;
                return true;
            }

            if (kind == RecordKind.Invalid)
            {
                throw Corrupt(pos, phys, "a record's header does not check out");
            }

            Advance(ref pos, ref phys, phys, size);
        }

        itemPhys = phys;
        length = 0;
        crc = 0;
        size = 0;
        return false;
    }

    /// <summary>
    /// The number of items a walk from the tail visits (it locates them all first). That is the count where the count is this
    /// process's own, over records it has checked; otherwise the items whose records lie between the head and the tail, with
    /// their payloads checked: a count taken on trust from a checkpoint, or read from the header words that processes share,
    /// may be wrong, and records that no scan has checked since the open may be damaged. A walk from the tail then reports a
    /// damaged record before it returns any item after it (those items are lost at the next open), as a walk from the head does.
    /// </summary>
    private long WalkCount()
    {
        if (!_trustedCheckpoint && !_multiProcess && !_damageSeen)
        {
            return _count;
        }

        long count = 0;
        long pos = _head;
        long phys = _headPhys;
        while (TryNextItem(ref pos, ref phys, out long itemPhys, out uint length, out uint crc, out long size))
        {
            CheckPayload(pos, itemPhys, length, crc);
            count++;
            Advance(ref pos, ref phys, itemPhys, size);
        }

        return count;
    }

    private unsafe void CheckPayload(long pos, long phys, uint length, uint crc)
    {
        MappedAccess access = _view.BeginAccess();
        bool intact = QueueChecksum.Record(length, pos, new ReadOnlySpan<byte>(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length)) == crc;
        _view.EndAccess(access);
        if (!intact)
        {
            throw Corrupt(pos, phys, "the item's checksum does not match");
        }
    }

    private void Advance(ref long pos, ref long phys, long fromPhys, long size)
    {
        pos += size;
        long next = fromPhys + size;
        phys = next == _ringEnd ? QueueLayout.RingStart : next;
    }

    private unsafe byte[] CopyItem(long pos, long phys, uint length, uint crc)
    {
        MappedAccess access = _view.BeginAccess();
        byte[] copy = new ReadOnlySpan<byte>(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length).ToArray();
        _view.EndAccess(access);
        if (QueueChecksum.Record(length, pos, copy) != crc)
        {
            throw Corrupt(pos, phys, "the item's checksum does not match");
        }

        return copy;
    }

    private unsafe bool Visit<TAccumulate>(long pos, long phys, uint length, uint crc, QueueFolder<TAccumulate> folder, ref TAccumulate accumulator)
    {
        int version = _version;
        MappedAccess access = _view.BeginAccess();
        ReadOnlySpan<byte> mapped = new(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length);
        if (QueueChecksum.Record(length, pos, mapped) != crc)
        {
            _view.EndAccess(access);
            throw Corrupt(pos, phys, "the item's checksum does not match");
        }

        bool more;
        try
        {
            more = folder(mapped, ref accumulator);
        }
        catch
        {
            access.EndUnchecked();
            throw;
        }

        EndCallbackAccess(access, version);
        return more;
    }

    /// <summary>
    /// Ends the access around a caller's reader or folder. One that changed or disposed the queue is reported as such, before
    /// the access is checked: an erase or purge of a grown queue shrinks the mapping, which would otherwise read as a shrink
    /// by another handle.
    /// </summary>
    private void EndCallbackAccess(in MappedAccess access, int version)
    {
        if (_version != version || _state == StateDisposed)
        {
            // The caller's code run inside the access changed or disposed the queue: reported as a pop's handler reports it.
            access.EndUnchecked();
            throw new InvalidOperationException("The queue was changed or disposed by the caller's code called during a peek or fold.");
        }

        _view.EndAccess(access);
    }

    private void ThrowIfChanged(int version)
    {
        ThrowIfDisposed();
        if (version != _version)
        {
            throw new InvalidOperationException("The queue was changed during the enumeration, fold or peek.");
        }
    }
}
