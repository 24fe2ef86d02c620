using System;
using System.IO;

namespace Emmap.Streams;

/// <summary>Persistent counters over an open <see cref="MappedFileStream"/>.</summary>
public static class MappedCountersExtensions
{
    /// <summary>
    /// Uses the stream as a counter block in emmap's format, taking ownership of the stream: disposing the counters
    /// disposes it.
    /// </summary>
    /// <param name="stream">A stream whose position 0 is the start of the counter block: a whole counter file, or a
    /// window of a larger file opened at a multiple of 8.</param>
    /// <param name="count">The number of counters the block must have; 0 accepts whatever count its header declares.</param>
    /// <returns>The counters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The stream does not start at a multiple of 8 in the file, or the block has a different
    /// number of counters (<see cref="ArgumentException.ParamName"/> is <c>count</c>).</exception>
    /// <exception cref="InvalidDataException">The stream is not a valid counter block and is not blank; nothing is written.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>See <see cref="AsCounters(MappedFileStream, int, bool)"/>.</remarks>
    public static MappedCounters AsCounters(this MappedFileStream stream, int count) => AsCounters(stream, count, leaveOpen: false);

    /// <summary>Uses the stream as a counter block in emmap's format.</summary>
    /// <param name="stream">A stream whose position 0 is the start of the counter block: a whole counter file, or a
    /// window of a larger file opened at a multiple of 8.</param>
    /// <param name="count">The number of counters the block must have; 0 accepts whatever count its header declares.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave the stream open when the counters are disposed;
    /// <see langword="false"/> to hand the stream over to the counters.</param>
    /// <returns>The counters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException">The stream does not start at a multiple of 8 in the file, or the block has a different
    /// number of counters (<see cref="ArgumentException.ParamName"/> is <c>count</c>).</exception>
    /// <exception cref="InvalidDataException">The stream is not a valid counter block and is not blank; nothing is written.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>
    /// <para>The stream's <see cref="MappedFileStream.Length"/> must be exactly <see cref="MappedCounters.GetFileSize"/>
    /// of the count. A valid header is opened as it is. A writable stream whose bytes are <em>all</em> zero (one just created
    /// with <see cref="MapOptions.Size"/> = <see cref="MappedCounters.GetFileSize"/>) is formatted with
    /// <paramref name="count"/> counters: the count is stored, then the magic, each with a compare-exchange from zero, so
    /// threads and processes formatting the same blank block at once agree, and a non-zero byte is never overwritten.
    /// Anything else throws <see cref="InvalidDataException"/> and leaves the bytes as they are.</para>
    /// <para>The stream is not disposed when this method throws. Updates through the stream's
    /// <see cref="AtomicExtensions"/> and through the counters are the same atomic operations on the same slots.</para>
    /// </remarks>
    public static MappedCounters AsCounters(this MappedFileStream stream, int count, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return MappedCounters.Attach(stream, count, leaveOpen, formatBlank: true);
    }
}
