namespace Emmap.Streams;

/// <summary>
/// A snapshot of a queue's structure (emmap <c>metadata/1</c>: head, tail, size). Positions are logical: they
/// count bytes pushed through the queue since it was created and never decrease.
/// </summary>
/// <param name="Head">The logical position of the first item (emmap <c>head</c>).</param>
/// <param name="Tail">The logical position after the last item (emmap <c>tail</c> and <c>next_tail</c>).</param>
/// <param name="Count">The number of items.</param>
/// <param name="FileSize">The bytes of the file the queue uses (emmap <c>size</c>).</param>
/// <param name="InitialSize">The size the queue was created with, to which a drained queue shrinks back.</param>
/// <param name="RingOffset">The file offset of the ring that holds the records.</param>
/// <param name="RingSize">The bytes of the ring.</param>
/// <param name="HeadOffset">The file offset of the first record.</param>
/// <param name="TailOffset">The file offset where the next record goes (if it fits before the ring's end).</param>
/// <param name="HeaderSequence">The sequence number of the header slot in use; it grows with every structural change.</param>
public readonly record struct QueueMetadata(
    long Head,
    long Tail,
    long Count,
    long FileSize,
    long InitialSize,
    long RingOffset,
    long RingSize,
    long HeadOffset,
    long TailOffset,
    long HeaderSequence)
{
    /// <summary>Gets the ring bytes in use: records, their padding and skipped space before a wrap.</summary>
    /// <value><see cref="Tail"/> minus <see cref="Head"/>.</value>
    public long UsedBytes => Tail - Head;

    /// <summary>Gets the ring bytes not in use.</summary>
    /// <value><see cref="RingSize"/> minus <see cref="UsedBytes"/>.</value>
    public long FreeBytes => RingSize - UsedBytes;
}
