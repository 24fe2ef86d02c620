namespace Emmap.Streams;

/// <summary>
/// The contents of one header slot: the queue's geometry and a checkpoint of its cursors. Slots are
/// written only on structural changes (growth, shrink, repair, clean close), never per push or pop.
/// </summary>
/// <param name="Sequence">Increases with every slot write; open takes the valid slot with the larger one.</param>
/// <param name="FileSize">The bytes of the file the queue uses.</param>
/// <param name="RingSize">The bytes of the ring, which starts at <see cref="QueueLayout.RingStart"/>.</param>
/// <param name="Base">A logical position that maps to the ring start: position <c>p</c> is at
/// <c>RingStart + (p - Base) mod RingSize</c>.</param>
/// <param name="Head">The head cursor when the slot was written.</param>
/// <param name="Tail">The tail cursor when the slot was written.</param>
/// <param name="Count">The number of items when the slot was written.</param>
/// <param name="InitialSize">The file size the queue was created with, to which it shrinks back when drained.</param>
/// <param name="Flags">Reserved flags (bit 0: written by a clean close).</param>
internal readonly record struct QueueSlot(
    long Sequence,
    long FileSize,
    long RingSize,
    long Base,
    long Head,
    long Tail,
    long Count,
    long InitialSize,
    long Flags)
{
    /// <summary>The flag of a slot written by <see cref="MappedQueue.Dispose()"/>.</summary>
    internal const long CleanCloseFlag = 1;

    /// <summary>Gets the format version the slot is written with: <see cref="QueueLayout.Version"/>, or <see cref="QueueLayout.SharedVersion"/> once the queue was shared.</summary>
    internal uint Version { get; init; } = QueueLayout.Version;

    /// <summary>The end of the ring.</summary>
    internal long RingEnd => QueueLayout.RingStart + RingSize;

    /// <summary>The physical offset of logical position <paramref name="position"/>.</summary>
    internal long PhysicalOf(long position) => QueueLayout.RingStart + (long)((ulong)(position - Base) % (ulong)RingSize);
}
