using System.Collections.Generic;

namespace Emmap.Streams;

/// <summary>
/// What <see cref="MappedQueue.Verify(string, System.IProgress{long}?)"/> found in a queue file: every header slot and every committed
/// record checked against its checksum, without changing the file.
/// </summary>
public sealed class QueueVerification
{
    internal QueueVerification(string path, QueueMetadata? metadata, IReadOnlyList<string> problems, IReadOnlyList<string> notes, long itemsChecked, long bytesChecked)
    {
        Path = path;
        Metadata = metadata;
        Problems = problems;
        Notes = notes;
        ItemsChecked = itemsChecked;
        BytesChecked = bytesChecked;
    }

    /// <summary>Gets the full path of the file.</summary>
    /// <value>The verified file.</value>
    public string Path { get; }

    /// <summary>
    /// Gets whether the file holds a queue that opens (possibly after dropping damaged records). A file cut short by more than
    /// a writable open gives back opens read-only only; <see cref="Problems"/> then says so.
    /// </summary>
    /// <value><see langword="false"/> if it is not a queue, or is damaged beyond recovery.</value>
    public bool IsQueue => Metadata is not null;

    /// <summary>Gets whether nothing is damaged: opening the queue would keep every committed item.</summary>
    /// <value><see langword="true"/> when <see cref="Problems"/> is empty.</value>
    public bool IsIntact => Problems.Count == 0;

    /// <summary>Gets the queue's structure as opening it would recover it, or <see langword="null"/> if it is not a queue.</summary>
    /// <value>The recovered metadata.</value>
    public QueueMetadata? Metadata { get; }

    /// <summary>Gets the damage found: each entry says what is wrong and what opening the queue would do about it.</summary>
    /// <value>Empty for an intact queue.</value>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Gets findings that lose nothing, such as a header slot left torn by an interrupted write or unused bytes after the queue.</summary>
    /// <value>Informational notes.</value>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Gets the number of items whose checksum was checked.</summary>
    /// <value>The valid items found.</value>
    public long ItemsChecked { get; }

    /// <summary>Gets the number of payload bytes whose checksum was checked.</summary>
    /// <value>The bytes of the valid items.</value>
    public long BytesChecked { get; }
}
