using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>The bytes of an item being pushed, copied into its record by <see cref="CommitPush"/>.</summary>
    private interface IPushPayload
    {
        /// <summary>Gets the item's length in bytes.</summary>
        public int Length { get; }

        /// <summary>Copies the item into the record's payload area, which is exactly <see cref="Length"/> bytes.</summary>
        public void CopyTo(Span<byte> destination);

        /// <summary>Returns the record checksum of the item, whose bytes <paramref name="written"/> now holds.</summary>
        public uint Checksum(uint lengthField, long stamp, ReadOnlySpan<byte> written);
    }

    /// <summary>An item in one span (the public push methods): the hot path, so every member is inlined into the push.</summary>
    private readonly ref struct SpanPayload(ReadOnlySpan<byte> bytes) : IPushPayload
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Length
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => _bytes.Length;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void CopyTo(Span<byte> destination) =>
            MappedCopy.Copy(ref MemoryMarshal.GetReference(destination), ref MemoryMarshal.GetReference(_bytes), (uint)_bytes.Length);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Checksum(uint lengthField, long stamp, ReadOnlySpan<byte> written) => QueueChecksum.Record(lengthField, stamp, _bytes);
    }

    /// <summary>An item in several buffers (a pooled stream's blocks), copied one after the other with no joined copy in between.</summary>
    private readonly struct SequencePayload : IPushPayload
    {
        private readonly ReadOnlySequence<byte> _bytes;

        public SequencePayload(ReadOnlySequence<byte> item)
        {
            if (item.Length > QueueLayout.MaxItemLength)
            {
                throw new ArgumentOutOfRangeException(nameof(item), item.Length, $"An item holds at most {QueueLayout.MaxItemLength} bytes.");
            }

            _bytes = item;
            Length = (int)item.Length;
        }

        public int Length { get; }

        public void CopyTo(Span<byte> destination) => _bytes.CopyTo(destination);

        // The buffers are not contiguous; the record's copy is, and holds the same bytes.
        public uint Checksum(uint lengthField, long stamp, ReadOnlySpan<byte> written) => QueueChecksum.Record(lengthField, stamp, written);
    }
}
