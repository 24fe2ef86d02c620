using System;
using System.Buffers.Binary;

namespace Emmap.Streams;

/// <summary>
/// Reads and writes header slots (versions 1 and 2, which share the slot layout). A slot is sixteen little-endian 64-bit words:
/// magic, version | header size, sequence, file size, ring start, ring size, base, head, tail, count,
/// initial size, flags, three reserved zero words, and the CRC32C of the first fifteen words.
/// </summary>
internal static class QueueSlotCodec
{
    /// <summary>Why a slot was not accepted.</summary>
    internal enum Problem
    {
        None,
        Missing,
        NoMagic,
        UnsupportedVersion,
        BadChecksum,
        BadGeometry,
    }

    internal static void Encode(in QueueSlot slot, Span<byte> destination)
    {
        Span<byte> d = destination[..QueueLayout.SlotSize];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d, QueueLayout.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], slot.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], QueueLayout.HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[16..], slot.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(d[24..], slot.FileSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[32..], QueueLayout.RingStart);
        BinaryPrimitives.WriteInt64LittleEndian(d[40..], slot.RingSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[48..], slot.Base);
        BinaryPrimitives.WriteInt64LittleEndian(d[56..], slot.Head);
        BinaryPrimitives.WriteInt64LittleEndian(d[64..], slot.Tail);
        BinaryPrimitives.WriteInt64LittleEndian(d[72..], slot.Count);
        BinaryPrimitives.WriteInt64LittleEndian(d[80..], slot.InitialSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[88..], slot.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(d[120..], QueueChecksum.Slot(d));
    }

    /// <summary>Decodes a slot, accepting it only if its magic, version, checksum and geometry all check out.</summary>
    internal static Problem TryDecode(ReadOnlySpan<byte> source, out QueueSlot slot)
    {
        slot = default;
        if (source.Length < QueueLayout.SlotSize)
        {
            return Problem.Missing;
        }

        ReadOnlySpan<byte> s = source[..QueueLayout.SlotSize];
        if (BinaryPrimitives.ReadUInt64LittleEndian(s) != QueueLayout.Magic)
        {
            return Problem.NoMagic;
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(s[120..]) != QueueChecksum.Slot(s))
        {
            return Problem.BadChecksum;
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
        if (version is not (QueueLayout.Version or QueueLayout.SharedVersion)
            || BinaryPrimitives.ReadUInt32LittleEndian(s[12..]) != QueueLayout.HeaderSize)
        {
            return Problem.UnsupportedVersion;
        }

        slot = new QueueSlot(
            Sequence: BinaryPrimitives.ReadInt64LittleEndian(s[16..]),
            FileSize: BinaryPrimitives.ReadInt64LittleEndian(s[24..]),
            RingSize: BinaryPrimitives.ReadInt64LittleEndian(s[40..]),
            Base: BinaryPrimitives.ReadInt64LittleEndian(s[48..]),
            Head: BinaryPrimitives.ReadInt64LittleEndian(s[56..]),
            Tail: BinaryPrimitives.ReadInt64LittleEndian(s[64..]),
            Count: BinaryPrimitives.ReadInt64LittleEndian(s[72..]),
            InitialSize: BinaryPrimitives.ReadInt64LittleEndian(s[80..]),
            Flags: BinaryPrimitives.ReadInt64LittleEndian(s[88..]))
        {
            Version = version,
        };
        long ringStart = BinaryPrimitives.ReadInt64LittleEndian(s[32..]);
        return ringStart == QueueLayout.RingStart && IsSane(slot) ? Problem.None : Problem.BadGeometry;
    }

    /// <summary>The invariants every slot this library writes satisfies.</summary>
    /// <remarks>
    /// Every field is bounded before any arithmetic uses it, so even a slot whose checksum was forged cannot make a position,
    /// an offset or the next sequence number overflow: positions lie in [0, <see cref="QueueLayout.PositionLimit"/>], the base
    /// at most one ring below 0 (where growth that moves the head part can put it), the sequence below
    /// <see cref="QueueLayout.MaxSequence"/>.
    /// </remarks>
    internal static bool IsSane(in QueueSlot slot) =>
        slot.Sequence > 0
        && slot.Sequence < QueueLayout.MaxSequence
        && slot.FileSize >= QueueLayout.MinimumFileSize
        && slot.FileSize <= QueueLayout.MaxFileSize
        && slot.RingSize == QueueLayout.RingSizeFor(slot.FileSize)
        && slot.InitialSize >= QueueLayout.MinimumFileSize
        && slot.InitialSize <= slot.FileSize
        && slot.Base >= -QueueLayout.MaxFileSize
        && slot.Head >= 0
        && slot.Head >= slot.Base
        && slot.Tail <= QueueLayout.PositionLimit
        && slot.Tail >= slot.Head
        && slot.Tail - slot.Head <= slot.RingSize
        && ((slot.Head - slot.Base) & (QueueLayout.RecordAlignment - 1)) == 0
        && ((slot.Tail - slot.Base) & (QueueLayout.RecordAlignment - 1)) == 0
        && slot.Count >= 0
        && slot.Count <= (slot.Tail - slot.Head) / QueueLayout.RecordAlignment;
}
