using System;
using System.Buffers;
using System.IO;
using CommunityToolkit.HighPerformance;
using Emmap.Streams.Views;

namespace Emmap.Streams;

/// <summary>
/// <see cref="Stream"/> access to views of a mapped file, for APIs that read a stream (<see cref="StreamReader"/>,
/// <c>System.Text.Json</c>, XML and archive readers): the stream reads the mapped bytes in place, with no copy.
/// </summary>
public static class ViewStreamExtensions
{
    /// <summary>
    /// Returns a seekable stream over the bytes of <paramref name="view"/> (a view from <see cref="MappedFileStream.ReadDirect"/> or
    /// <see cref="MappedFileStream.ReadAt(long, int)"/>, or any other owner of bytes). The stream takes ownership: disposing it
    /// disposes <paramref name="view"/>.
    /// </summary>
    /// <typeparam name="TView">The owner's type.</typeparam>
    /// <param name="view">The view to read; the stream owns it from now on.</param>
    /// <returns>A stream of <c>view.Memory.Length</c> bytes, at position 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="view"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// <para>Reads see the mapped bytes as they are at the time of the read, so writes made to the file after the stream was created are
    /// visible. Writing through the stream writes the mapped bytes (on a writable, shared mapping: the file); the stream cannot grow.</para>
    /// <para>The stream positions itself as a <see cref="MemoryStream"/> over a fixed buffer does: any position from 0 up may be set or
    /// sought, and reads past the end return 0 bytes; a seek before the start throws <see cref="IOException"/>; a write that would pass
    /// the end throws <see cref="NotSupportedException"/> and writes nothing. CommunityToolkit.HighPerformance's <c>AsStream</c>,
    /// which refuses a position past the end, stays available; with both namespaces imported this call is not ambiguous.</para>
    /// </remarks>
    public static Stream AsStream<TView>(this TView view)
        where TView : IMemoryOwner<byte>
    {
        ArgumentNullException.ThrowIfNull(view);
        return new ViewStream(IMemoryOwnerExtensions.AsStream(view), owner: null);
    }

    /// <summary>
    /// Returns a read-only, seekable stream over the bytes of <paramref name="owner"/>, of any length (past 2 GiB too). The stream takes
    /// ownership: disposing it releases the owner's pin on the mapping.
    /// </summary>
    /// <param name="owner">The sequence to read, from <see cref="MappedFileStream.ReadSequence(long, long)"/>; the stream owns it from now on.</param>
    /// <returns>A stream of <see cref="MappedSequenceOwner.Length"/> bytes, at position 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="owner"/> is disposed.</exception>
    /// <remarks>Reads see the mapped bytes as they are at the time of the read; nothing is copied before. The stream positions
    /// itself as a read-only <see cref="MemoryStream"/> does: any position from 0 up may be set or sought, reads past the end return
    /// 0 bytes, and a seek before the start throws <see cref="IOException"/>.</remarks>
    public static Stream AsStream(this MappedSequenceOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new ViewStream(ReadOnlySequenceExtensions.AsStream(owner.Sequence), owner);
    }
}
