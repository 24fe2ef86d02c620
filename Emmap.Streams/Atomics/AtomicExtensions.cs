using System;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

/// <summary>
/// Atomic operations on signed 64-bit little-endian cells of a mapped file (emmap <c>patomic_*</c>), shared by
/// threads and, on <see cref="MapSharing.Shared"/> mappings, by every process mapping the file.
/// </summary>
/// <remarks>
/// <para><b>Cells.</b> <c>position</c> counts from the stream's start; the cell's <em>file</em> offset
/// (<see cref="MappedFileStream.Offset"/> + position) must be a multiple of 8, so alignment is the same for every window
/// of the file and every process. The cell must lie inside <see cref="MappedFileStream.Length"/>.</para>
/// <para><b>Results.</b> Read-modify-write operations return the value <em>before</em> the operation, as emmap does
/// (and/or/xor included). Arithmetic wraps in two's complement.</para>
/// <para><b>Ordering.</b> Every modifying operation is a full fence (sequentially consistent);
/// <see cref="AtomicRead"/> has acquire semantics and never writes, so it works on read-only mappings.</para>
/// <para><b>Durability.</b> A value is in the page cache as soon as the call returns, so it survives the process being
/// killed; <see cref="MappedFileStream.Flush(bool)"/> with <see langword="true"/> makes it survive power loss.</para>
/// <para><b>Errors.</b> <see cref="ArgumentOutOfRangeException"/> for a negative position or a cell past the end,
/// <see cref="ArgumentException"/> for a misaligned cell, <see cref="NotSupportedException"/> for a modifying operation
/// on a read-only stream and for every operation on a write-only one, <see cref="ObjectDisposedException"/> after dispose. No operation allocates.</para>
/// </remarks>
public static class AtomicExtensions
{
    /// <summary>Adds <paramref name="value"/> to the cell (emmap <c>patomic_add</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The addend.</param>
    /// <returns>The value before the addition.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicAdd(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicAddCore(position, value);

    /// <summary>Subtracts <paramref name="value"/> from the cell (emmap <c>patomic_sub</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The subtrahend.</param>
    /// <returns>The value before the subtraction.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicSubtract(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicAddCore(position, unchecked(-value));

    /// <summary>Bitwise-ands <paramref name="value"/> into the cell (emmap <c>patomic_and</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The mask.</param>
    /// <returns>The value before the operation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicAnd(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicUpdate(position, MappedView.AtomicOp.And, value);

    /// <summary>Bitwise-ors <paramref name="value"/> into the cell (emmap <c>patomic_or</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The bits to set.</param>
    /// <returns>The value before the operation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicOr(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicUpdate(position, MappedView.AtomicOp.Or, value);

    /// <summary>Bitwise-xors <paramref name="value"/> into the cell (emmap <c>patomic_xor</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The bits to flip.</param>
    /// <returns>The value before the operation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicXor(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicUpdate(position, MappedView.AtomicOp.Xor, value);

    /// <summary>Stores <paramref name="value"/> in the cell (emmap <c>patomic_xchg</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The value before the exchange.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicExchange(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicUpdate(position, MappedView.AtomicOp.Exchange, value);

    /// <summary>
    /// Stores <paramref name="value"/> if the cell equals <paramref name="comparand"/>, with the order and meaning of
    /// <see cref="System.Threading.Interlocked.CompareExchange(ref long, long, long)"/> (emmap <c>patomic_cas</c>, which
    /// takes the expected value first).
    /// </summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The value to store.</param>
    /// <param name="comparand">The value the cell must hold.</param>
    /// <returns>The value the cell held; the exchange happened if and only if it equals <paramref name="comparand"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only or write-only (the operation reads the cell and writes it).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicCompareExchange(this MappedFileStream stream, long position, long value, long comparand) =>
        NotNull(stream).AtomicCompareExchangeCore(position, value, comparand);

    /// <summary>Reads the cell (emmap <c>patomic_read_integer</c>); works on read-only streams.</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static long AtomicRead(this MappedFileStream stream, long position) => NotNull(stream).AtomicReadCore(position);

    /// <summary>Stores <paramref name="value"/> in the cell with a full fence (emmap <c>patomic_write_integer</c>).</summary>
    /// <param name="stream">The mapped stream.</param>
    /// <param name="position">The cell's position, 8-byte aligned in the file.</param>
    /// <param name="value">The new value.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cell does not lie inside the stream.</exception>
    /// <exception cref="ArgumentException">The cell is not 8-byte aligned in the file.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only (emmap crashes the VM here), or write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static void AtomicWrite(this MappedFileStream stream, long position, long value) =>
        NotNull(stream).AtomicWriteCore(position, value);

    private static MappedFileStream NotNull(MappedFileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream;
    }
}
