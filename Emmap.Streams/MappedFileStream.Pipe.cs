using System;
using System.IO.Pipelines;
using Emmap.Streams.Views;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>
    /// Returns a <see cref="PipeReader"/> over the stream's bytes from <paramref name="position"/> on, whose buffers are the
    /// mapped pages themselves: a zero-copy feed for <c>System.IO.Pipelines</c> parsers and
    /// <c>JsonSerializer.DeserializeAsync(PipeReader, …)</c>, where <see cref="PipeReader.Create(System.IO.Stream, StreamPipeReaderOptions?)"/>
    /// would copy every byte into pooled buffers.
    /// </summary>
    /// <param name="position">Where the reader starts, relative to <see cref="Offset"/>; may be at or past the end of the data.</param>
    /// <param name="options">The window, end position and tail mode; <see langword="null"/> for the defaults (1 MiB window,
    /// read to the end of the data).</param>
    /// <returns>A reader that never owns the stream: completing it does not dispose the stream.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative, or a value of
    /// <paramref name="options"/> is out of range (see <see cref="MappedPipeReaderOptions"/>).</exception>
    /// <exception cref="NotSupportedException">The stream cannot read (it was opened write-only).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>
    /// <para><b>No copy.</b> <see cref="ReadResult.Buffer"/> aliases the mapping: usually one segment, since the unconsumed
    /// bytes are contiguous in memory (more only for buffers past 1 GiB). Reads allocate nothing once the reader has made its
    /// few segment objects, which it reuses. Writes by anyone to bytes the buffer covers are visible through it at once.</para>
    /// <para><b>The contract of <see cref="PipeReader"/>.</b> A read returns more data only after the consumer examined all
    /// of the previous buffer (<see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/>); otherwise it returns the
    /// unconsumed bytes again. Each read shows at most <see cref="MappedPipeReaderOptions.WindowSize"/> bytes past the consumed
    /// position (see there for a consumer that holds a whole window). <see cref="ReadResult.IsCompleted"/> is set on the
    /// read whose buffer reaches the end of the data (or <see cref="MappedPipeReaderOptions.EndPosition"/>), where
    /// <see cref="PipeReader.Create(System.IO.Stream, StreamPipeReaderOptions?)"/> learns it one empty read later. Reads complete
    /// synchronously, except a read in <see cref="MappedPipeReaderOptions.Follow"/> mode that waits for growth.
    /// <see cref="PipeReader.TryRead"/> returns new data as <see cref="PipeReader.ReadAsync"/> would, and at the end of the
    /// data a completed result: it is <see langword="false"/> only while a follower waits.
    /// <see cref="PipeReader.CancelPendingRead"/> makes the pending or next read return <see cref="ReadResult.IsCanceled"/>
    /// with the unconsumed bytes. Misuse throws <see cref="InvalidOperationException"/> (reading or advancing after
    /// <see cref="PipeReader.Complete"/>, advancing to a position already consumed, of another reader or of the buffer before
    /// the current one, or with the examined position before the consumed one) or <see cref="ArgumentOutOfRangeException"/>
    /// (a position past the buffer). A position kept from an older buffer is not always recognised, as with the runtime's
    /// readers: the reader builds its buffers on two sets of segments in turn, so that reads allocate nothing.</para>
    /// <para><b>Lifetime.</b> While its buffer has unconsumed bytes the reader pins the mapping, as a direct view does (it
    /// counts in <see cref="LiveViewCount"/>): disposing the stream does not take the pages away from a consumer still
    /// parsing them. The pin is dropped when the consumer consumes everything, on <see cref="PipeReader.Complete"/>, and when a
    /// read finds the stream disposed, which throws <see cref="ObjectDisposedException"/>. A shrink of the file below unconsumed
    /// bytes turns them into zeros, as for direct views; nothing ever faults. The reader keeps its stream reachable, so a
    /// reader made from a stream that nobody else references (<c>MappedFileStream.Open(path).AsPipeReader()</c>) keeps
    /// working; the stream's finalizer lets go of the file once neither is referenced.</para>
    /// <para>One consumer at a time, as for every <see cref="PipeReader"/>; <see cref="PipeReader.CancelPendingRead"/> may be
    /// called from any thread, and so may <see cref="PipeReader.Complete"/> while a <see cref="MappedPipeReaderOptions.Follow"/>
    /// read waits (the read then throws <see cref="InvalidOperationException"/>, or returns first if it was already taking
    /// new data). Several readers over one stream are independent.</para>
    /// </remarks>
    public PipeReader AsPipeReader(long position = 0, MappedPipeReaderOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        options ??= new MappedPipeReaderOptions();
        options.Validate(nameof(options), position);
        ThrowIfUnreadable();
        return new MappedPipeReader(this, View, position, options);
    }
}
