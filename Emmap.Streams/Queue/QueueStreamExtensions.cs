using System;
using System.IO;

namespace Emmap.Streams;

/// <summary>Opens a persistent queue over a <see cref="MappedFileStream"/> that is already open.</summary>
public static class QueueStreamExtensions
{
    /// <summary>
    /// Uses <paramref name="stream"/> as a queue: opens the queue it holds, or formats a new one when its first 1024 bytes are all
    /// zero (a fresh file), in which case the stream's current length becomes the queue's initial size.
    /// </summary>
    /// <param name="stream">A shared, read-write mapping (read-only is enough with <see cref="QueueOptions.ReadOnly"/>) whose
    /// start is 8-byte aligned in the file.</param>
    /// <param name="options">How to use the queue; <see langword="null"/> for the defaults.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="stream"/> open when the queue is disposed; by default
    /// the queue owns the stream and disposes it.</param>
    /// <returns>The queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The stream is private, write-only, read-only without <see cref="QueueOptions.ReadOnly"/>,
    /// misaligned, or blank but shorter than 4096 bytes.</exception>
    /// <exception cref="InvalidDataException">The stream holds something that is not a queue, or a queue damaged beyond recovery.</exception>
    /// <exception cref="IOException">Another live process owns the queue, or it is already open in this process.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="stream"/> is disposed.</exception>
    /// <remarks>Formatting an existing stream in place is not atomic the way <see cref="MappedQueue.Open(string, long, QueueOptions?)"/>'s
    /// creation is; a queue over a stream whose <see cref="MapOptions.FixedSize"/> is set, or over a window that ends before the end
    /// of its file, never grows: a push that does not fit reports the queue full.</remarks>
    public static MappedQueue AsQueue(this MappedFileStream stream, QueueOptions? options = null, bool leaveOpen = false) =>
        MappedQueue.Over(stream, options, leaveOpen);
}
