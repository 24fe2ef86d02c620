using System;
using System.IO.Pipelines;

namespace Emmap.Streams;

/// <summary>
/// How <see cref="MappedFileStream.AsPipeReader(long, MappedPipeReaderOptions?)"/> reads: how much of the mapping one read
/// shows, where the reader stops, and whether it follows the stream's growth (a tail mode for a file another writer
/// appends to).
/// </summary>
/// <example>
/// <code>
/// // Follow a log that other processes append to, looking for new records every 50 ms.
/// PipeReader log = stream.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(50) });
/// </code>
/// </example>
public sealed class MappedPipeReaderOptions
{
    /// <summary>The default for <see cref="WindowSize"/>: 1 MiB.</summary>
    public const int DefaultWindowSize = 1 << 20;

    /// <summary>The default for <see cref="PollInterval"/>: 10 ms.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan s_minimumPollInterval = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_maximumPollInterval = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets how many bytes past the consumed position one read shows: the bound on
    /// <see cref="ReadResult.Buffer"/> while the consumer consumes what it parses.
    /// </summary>
    /// <value>Default <see cref="DefaultWindowSize"/> (1 MiB); at least 1.</value>
    /// <remarks>
    /// The reader itself never touches the mapped bytes: the pages of the window are read, and so faulted in, by the
    /// consumer only. A consumer that has examined a whole window without consuming any of it (a token longer than the
    /// window) gets one more window at its next read, as <see cref="PipeReader.Create(System.IO.Stream, StreamPipeReaderOptions?)"/>
    /// keeps buffering what is not consumed; <see cref="PipeReader.ReadAtLeastAsync"/> shows at least the size it asks for.
    /// So the buffer is never longer than the bytes the consumer holds back plus one window.
    /// </remarks>
    public int WindowSize { get; set; } = DefaultWindowSize;

    /// <summary>
    /// Gets or sets the position, relative to <see cref="MappedFileStream.Offset"/> like the reader's start, at which the
    /// reader ends: the read whose buffer reaches it reports <see cref="ReadResult.IsCompleted"/>, also when
    /// <see cref="Follow"/> is set. <see langword="null"/> means the end of the data (or, with <see cref="Follow"/>, no end).
    /// </summary>
    /// <value>Default <see langword="null"/>; when set, at least the reader's start position.</value>
    public long? EndPosition { get; set; }

    /// <summary>
    /// Gets or sets whether the reader follows the stream's growth (tail mode): at the end of the data a read waits until
    /// another handle, thread or process appends, instead of reporting <see cref="ReadResult.IsCompleted"/>. It ends only at
    /// <see cref="EndPosition"/>, or at the end of a window that ends before its file
    /// (<see cref="MappedFileStream.Open(string, long, long, MapOptions?)"/>), past which no data can come;
    /// <see cref="PipeReader.CancelPendingRead"/> or a cancellation token ends a wait.
    /// </summary>
    /// <value>Default <see langword="false"/>: the reader completes at the end of the data.</value>
    /// <remarks>
    /// Growth of a mapped file sends no notification (writes through a mapping do not wake file watchers), so a waiting
    /// read looks for new data every <see cref="PollInterval"/>. Data is the bytes below the stream's
    /// <see cref="MappedFileStream.Length"/>: an <see cref="MappedFileStream.Append"/> publishes its bytes and the new length
    /// together, so a follower never sees half an append. The reader goes by position: after a shrink below its position it
    /// waits until the data grows past that position again.
    /// </remarks>
    public bool Follow { get; set; }

    /// <summary>
    /// Gets or sets how often a waiting read in <see cref="Follow"/> mode looks for new data: the longest delay between an
    /// append and the read that returns it.
    /// </summary>
    /// <value>Default <see cref="DefaultPollInterval"/> (10 ms); from 1 ms to one day.</value>
    /// <remarks>Each look reads the length shared by every process that maps the file (a lock and a read of one page of
    /// shared memory, plus one file-status call to notice programs that do not use this library).</remarks>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>Returns a copy of these options, so a reader is not affected by later changes to them.</summary>
    /// <returns>A new <see cref="MappedPipeReaderOptions"/> with the same values.</returns>
    public MappedPipeReaderOptions Clone() => (MappedPipeReaderOptions)MemberwiseClone();

    /// <summary>Checks the values for a reader starting at <paramref name="position"/>; throws naming <paramref name="paramName"/>.</summary>
    internal void Validate(string paramName, long position)
    {
        if (WindowSize <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, WindowSize, "MappedPipeReaderOptions.WindowSize must be positive.");
        }

        if (EndPosition is { } end && end < position)
        {
            throw new ArgumentOutOfRangeException(paramName, end, "MappedPipeReaderOptions.EndPosition must not be before the reader's start position.");
        }

        if (PollInterval < s_minimumPollInterval || PollInterval > s_maximumPollInterval)
        {
            throw new ArgumentOutOfRangeException(paramName, PollInterval, "MappedPipeReaderOptions.PollInterval must be between 1 ms and one day.");
        }
    }
}
