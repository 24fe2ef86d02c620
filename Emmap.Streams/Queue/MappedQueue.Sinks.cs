using System;
using System.Buffers;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>What a pop does with the head item. Implementations check the checksum before anything leaves the queue.</summary>
    private interface IPopSink
    {
        /// <summary>Receives the mapped payload; returns whether to commit the pop. Throws to leave the item in the queue.</summary>
        public bool Accept(ReadOnlySpan<byte> mapped, uint length, long stamp, uint crc, MappedQueue queue, long phys);

        /// <summary>Hands the accepted item over: after the commit in a queue used by this process alone, just before it in shared mode.</summary>
        public void Committed();
    }

    /// <summary>Copies the item into a new array, then checks the copy.</summary>
    private struct ArraySink : IPopSink
    {
        public byte[]? Result;

        public bool Accept(ReadOnlySpan<byte> mapped, uint length, long stamp, uint crc, MappedQueue queue, long phys)
        {
            byte[] copy = mapped.ToArray();
            if (QueueChecksum.Record(length, stamp, copy) != crc)
            {
                throw queue.Corrupt(stamp, phys, "the item's checksum does not match");
            }

            Result = copy;
            return true;
        }

        public readonly void Committed()
        {
        }
    }

    /// <summary>
    /// Copies the item into a buffer writer's span and checks the copy; advances the writer once the pop is committed (a queue
    /// used by this process alone, which puts the item back if that throws) or just before the commit (shared mode).
    /// </summary>
    private struct WriterSink(IBufferWriter<byte> writer) : IPopSink
    {
        private int _length;

        public bool Accept(ReadOnlySpan<byte> mapped, uint length, long stamp, uint crc, MappedQueue queue, long phys)
        {
            // The writer is the caller's code: checked before the mapped bytes are read, since a writer that purged the queue may
            // have cut them.
            int version = queue._version;
            Span<byte> target = writer.GetSpan(mapped.Length)[..mapped.Length];
            queue.ThrowIfChangedDuringPop(version);
            mapped.CopyTo(target);
            if (QueueChecksum.Record(length, stamp, target) != crc)
            {
                throw queue.Corrupt(stamp, phys, "the item's checksum does not match");
            }

            _length = mapped.Length;
            return true;
        }

        public readonly void Committed() => writer.Advance(_length);
    }

    /// <summary>Copies the item into a span if it fits (else records the length it needs and declines), then checks the copy.</summary>
    private ref struct SpanSink(Span<byte> destination) : IPopSink
    {
        private readonly Span<byte> _destination = destination;

        public int Written;
        public int Needed;

        public bool Accept(ReadOnlySpan<byte> mapped, uint length, long stamp, uint crc, MappedQueue queue, long phys)
        {
            if (mapped.Length > _destination.Length)
            {
                Needed = mapped.Length;
                return false;
            }

            Span<byte> target = _destination[..mapped.Length];
            mapped.CopyTo(target);
            if (QueueChecksum.Record(length, stamp, target) != crc)
            {
                throw queue.Corrupt(stamp, phys, "the item's checksum does not match");
            }

            Written = mapped.Length;
            return true;
        }

        public readonly void Committed()
        {
        }
    }

    /// <summary>Checks the mapped bytes in place, then calls a handler with them.</summary>
    private struct HandlerSink<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> handler) : IPopSink
    {
        public TResult? Result;

        public bool Accept(ReadOnlySpan<byte> mapped, uint length, long stamp, uint crc, MappedQueue queue, long phys)
        {
            if (QueueChecksum.Record(length, stamp, mapped) != crc)
            {
                throw queue.Corrupt(stamp, phys, "the item's checksum does not match");
            }

            Result = handler(mapped, state);
            return true;
        }

        public readonly void Committed()
        {
        }
    }

    /// <summary>Checks the mapped bytes in place, then asks a folder whether to pop the item.</summary>
    private struct FoldSink<TAccumulate>(QueueFolder<TAccumulate> folder, TAccumulate seed) : IPopSink
    {
        public TAccumulate Accumulator = seed;
        public bool Halted;

        public bool Accept(ReadOnlySpan<byte> mapped, uint length, long stamp, uint crc, MappedQueue queue, long phys)
        {
            if (QueueChecksum.Record(length, stamp, mapped) != crc)
            {
                throw queue.Corrupt(stamp, phys, "the item's checksum does not match");
            }

            if (folder(mapped, ref Accumulator))
            {
                return true;
            }

            Halted = true;
            return false;
        }

        public readonly void Committed()
        {
        }
    }
}
