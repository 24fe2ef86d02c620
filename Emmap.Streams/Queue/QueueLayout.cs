namespace Emmap.Streams;

/// <summary>
/// Byte offsets and sizes of the queue format (docs/queue-format.md). All integers are little-endian.
/// </summary>
internal static class QueueLayout
{
    /// <summary>"EMQUEUE1" read as a little-endian 64-bit integer.</summary>
    internal const ulong Magic = 0x3145_5545_5551_4D45;

    /// <summary>The format version this library writes and reads.</summary>
    internal const uint Version = 1;

    /// <summary>Bytes before the ring: two header slots, the hot cursor words and reserved space.</summary>
    internal const int HeaderSize = 1024;

    /// <summary>Where the ring starts.</summary>
    internal const long RingStart = HeaderSize;

    /// <summary>The smallest file a queue is created with.</summary>
    internal const long MinimumFileSize = 4096;

    /// <summary>Bytes of one header slot.</summary>
    internal const int SlotSize = 128;

    /// <summary>Header slot A, in the first 512-byte sector.</summary>
    internal const int SlotAOffset = 0;

    /// <summary>Header slot B, in the second 512-byte sector, so one torn sector never damages both slots.</summary>
    internal const int SlotBOffset = 512;

    /// <summary>The committed head cursor (a logical position), alone on its 64-byte line.</summary>
    internal const int HeadWordOffset = 256;

    /// <summary>The committed tail cursor (a logical position), alone on its 64-byte line.</summary>
    internal const int TailWordOffset = 320;

    /// <summary>The owner word: process id and start time of the process that has the queue open for writing.</summary>
    internal const int OwnerWordOffset = 384;

    /// <summary>A 64-byte line reserved for a consumer cursor of a later cross-process protocol (zero today).</summary>
    internal const int ConsumerLineOffset = 448;

    /// <summary>Bytes of a record header: length and checksum, then the record's stamp.</summary>
    internal const int RecordHeaderSize = 16;

    /// <summary>Records start and end on this alignment.</summary>
    internal const int RecordAlignment = 16;

    /// <summary>Set in a record's length field when the record is a skip marker instead of an item.</summary>
    internal const uint MarkerFlag = 0x8000_0000;

    /// <summary>The largest item, in bytes (the largest .NET array).</summary>
    internal const int MaxItemLength = 0x7FFF_FFC7;

    /// <summary>The largest file the queue maps (the mapping layer's per-file limit).</summary>
    internal const long MaxFileSize = 1L << 44;

    /// <summary>
    /// The logical position past which a queue takes no more pushes (4 EiB pushed through it: 14 years at 10 GB/s). Pushes
    /// check it once per lap of the ring, so no position the queue writes ever exceeds <see cref="PositionLimit"/>.
    /// </summary>
    internal const long MaxPosition = 1L << 62;

    /// <summary>
    /// The largest logical position a queue ever writes: <see cref="MaxPosition"/> plus one more lap of the largest ring
    /// and one record. Recovery rejects any cursor or slot position beyond it, so position arithmetic never overflows.
    /// </summary>
    internal const long PositionLimit = MaxPosition + (4 * MaxFileSize);

    /// <summary>The largest header sequence number a slot may carry (a forged larger one would overflow the next write's).</summary>
    internal const long MaxSequence = 1L << 62;

    /// <summary>The bytes a record of <paramref name="length"/> payload bytes occupies in the ring.</summary>
    internal static long RecordSize(long length) => (length + RecordHeaderSize + RecordAlignment - 1) & ~(long)(RecordAlignment - 1);

    /// <summary>The ring size a file of <paramref name="fileSize"/> bytes has.</summary>
    internal static long RingSizeFor(long fileSize) => (fileSize - RingStart) & ~(long)(RecordAlignment - 1);
}
