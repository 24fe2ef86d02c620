namespace Emmap.Streams;

/// <summary>
/// Byte offsets and sizes of the queue format (docs/queue-format.md). All integers are little-endian.
/// </summary>
internal static class QueueLayout
{
    /// <summary>"EMQUEUE1" read as a little-endian 64-bit integer.</summary>
    internal const ulong Magic = 0x3145_5545_5551_4D45;

    /// <summary>The format version of a queue used by one process at a time; this library reads and writes it.</summary>
    internal const uint Version = 1;

    /// <summary>
    /// The format version of a queue opened with <see cref="QueueOptions.MultiProcess"/>: version 1 plus the shared words in
    /// version 1's reserved header space. Libraries that know only version 1 refuse it, so they can never write a queue
    /// that other processes are sharing.
    /// </summary>
    internal const uint SharedVersion = 2;

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

    /// <summary>A 64-byte line reserved in version 1 (zero); version 2 keeps the geometry generation and the event word there.</summary>
    internal const int ConsumerLineOffset = 448;

    // Version 2, shared mode (docs/queue-format.md, "Shared mode"). Each line has one writer side: producers write the
    // tail line and their lock line, consumers the head line and theirs.

    /// <summary>The producers' lock word (the holder's process stamp, bit 31 set while others wait), alone on its line.</summary>
    internal const int TailLockOffset = 128;

    /// <summary>The consumers' lock word, alone on its line.</summary>
    internal const int HeadLockOffset = 192;

    /// <summary>Items popped since the shared session began, next to the head word it goes with.</summary>
    internal const int PoppedOffset = 264;

    /// <summary>The head journal: the head word and popped count a head commit is about to store.</summary>
    internal const int JournalHeadOffset = 272;

    /// <summary>The popped count of the head journal.</summary>
    internal const int JournalPoppedOffset = 280;

    /// <summary>Non-zero while a process waits for space (32 bits): the next pop wakes it.</summary>
    internal const int SpaceWaitersOffset = 288;

    /// <summary>Items pushed since the shared session began, next to the tail word.</summary>
    internal const int PushedOffset = 328;

    /// <summary>The tail journal: the tail word, pushed count and last item a tail commit is about to store.</summary>
    internal const int JournalTailOffset = 336;

    /// <summary>The pushed count of the tail journal.</summary>
    internal const int JournalPushedOffset = 344;

    /// <summary>The logical position of the last item pushed (for peeking at the tail).</summary>
    internal const int LastItemOffset = 352;

    /// <summary>The last item of the tail journal.</summary>
    internal const int JournalLastOffset = 360;

    /// <summary>Non-zero while a process waits for items (32 bits): the next push wakes it.</summary>
    internal const int ItemWaitersOffset = 368;

    /// <summary>The geometry generation: advanced before every header slot write, so a process re-reads the slots when it moved.</summary>
    internal const int GenerationOffset = 448;

    /// <summary>The 32-bit word waiters sleep on (a futex): advanced by whoever wakes them.</summary>
    internal const int EventOffset = 456;

    /// <summary>Set by any process of a session that found a damaged record: the session's last close writes no exact checkpoint.</summary>
    internal const int DamageSeenOffset = 464;

    /// <summary>
    /// Where a queue's byte-range locks start, 2^62 + 2^61: far past any file offset a queue uses, and clear of the file's own
    /// size and presence locks, which start at 2^62 on the same handle (their range reaches 2^62 + 2^32 + 69 on Windows and
    /// macOS; locks of one handle do not exclude each other, so the two ranges must not meet). The open lock is at +0, the
    /// presence locks from +2 (on Windows and macOS one byte per process id after that). A queue in a window of a file adds
    /// its window offset shifted left by 17 bits, so queues in different windows of one file never share a lock byte.
    /// </summary>
    internal const long LockBase = 3L << 61;

    /// <summary>Bytes of a record header: length and checksum, then the record's stamp.</summary>
    internal const int RecordHeaderSize = 16;

    /// <summary>Records start and end on this alignment.</summary>
    internal const int RecordAlignment = 16;

    /// <summary>Set in a record's length field when the record is a skip marker instead of an item.</summary>
    internal const uint MarkerFlag = 0x8000_0000;

    /// <summary>The most bytes one skip marker skips: its length field holds 31 bits of <see cref="RecordAlignment"/> units.</summary>
    internal const long MaxMarkerSkip = (long)~MarkerFlag * RecordAlignment;

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
