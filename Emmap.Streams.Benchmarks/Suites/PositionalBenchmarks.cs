using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Random positional reads and writes of <see cref="Size"/> bytes over the 256 MiB file: <c>ReadAt</c>/<c>WriteAt</c>
/// against the fastest raw code on the same mapping (the baseline), <see cref="RandomAccess"/>, <see cref="FileStream"/>
/// seek plus read or write, and <c>MemoryMappedFile</c>'s accessor and view stream.
/// </summary>
/// <remarks>
/// <para><b>Baselines.</b> For 64-byte records the fastest raw code is a copy whose length is a constant, which the JIT
/// inlines as one 64-byte load and store (<c>RawRead</c>, <c>RawWrite</c>); <c>RawSpanCopyRead</c>/<c>RawSpanCopyWrite</c>
/// copy the length of a buffer the JIT does not know, through the runtime's copy routine. For 4 KiB there is no
/// constant-size inlined copy (the JIT unrolls constant copies of at most 128 bytes), so both are the runtime's copy.
/// <c>ReadAt</c>/<c>WriteAt</c> pass a span of constant length for 64 bytes, as a fixed-size record reader does;
/// <c>ReadAtArray</c>/<c>WriteAtArray</c> pass the whole 64-byte array, whose length the JIT does not know.
/// <c>ReadExactlyAt</c> is the exact read, which returns no count: the loop has nothing to add up.</para>
/// <para><b>Loops.</b> Each case is one static-shaped loop in its own method that the JIT does not inline, over the same
/// block of random offsets (<see cref="RandomOffsets"/>: <see cref="Locality"/>).</para>
/// </remarks>
public unsafe class PositionalBenchmarks
{
    private const int Operations = 1024;
    private const int Record = 64;

    private LargeFileFixture _file = null!;
    private RandomOffsets _offsets = null!;
    private byte[] _buffer = null!;
    private byte[] _payload = null!;

    /// <summary>Gets or sets the bytes per access.</summary>
    [Params(Record, 4096)]
    public int Size { get; set; }

    /// <summary>Gets or sets where the offsets lie (see <see cref="RandomOffsets"/>).</summary>
    [Params(RandomOffsets.Cached, RandomOffsets.Page, RandomOffsets.Dram)]
    public string Locality { get; set; } = RandomOffsets.Cached;

    [GlobalSetup]
    public void Setup()
    {
        _file = new LargeFileFixture(writable: true);
        _offsets = RandomOffsets.For(Locality, _file.Length, Size);
        _buffer = new byte[Size];
        _payload = new byte[Size];
        new Random(7).NextBytes(_payload);
    }

    [GlobalCleanup]
    public void Cleanup() => _file.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long RawRead() => Size == Record
        ? RawReadRecords(_file.Base, _offsets, _buffer)
        : RawSpanCopyReads(_file.Base, _offsets, _buffer);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long RawSpanCopyRead() => RawSpanCopyReads(_file.Base, _offsets, _buffer);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long ReadAt() => Size == Record
        ? ReadAtRecords(_file.Stream, _offsets, _buffer)
        : ReadAtArrays(_file.Stream, _offsets, _buffer);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long ReadAtArray() => ReadAtArrays(_file.Stream, _offsets, _buffer);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long ReadExactlyAt() => Size == Record
        ? ReadExactlyAtRecords(_file.Stream, _offsets, _buffer)
        : ReadExactlyAtArrays(_file.Stream, _offsets, _buffer);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long RandomAccessRead()
    {
        SafeFileHandle handle = _file.Handle;
        Span<byte> buffer = _buffer;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            total += RandomAccess.Read(handle, buffer, _offsets[start + i]);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long FileStreamSeekRead()
    {
        FileStream file = _file.FileStream;
        Span<byte> buffer = _buffer;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            file.Seek(_offsets[start + i], SeekOrigin.Begin);
            total += file.Read(buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long AccessorReadArray()
    {
        MemoryMappedViewAccessor accessor = _file.Accessor;
        byte[] buffer = _buffer;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            total += accessor.ReadArray(_offsets[start + i], buffer, 0, buffer.Length);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long ViewStreamSeekRead()
    {
        MemoryMappedViewStream view = _file.ViewStream;
        Span<byte> buffer = _buffer;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            view.Seek(_offsets[start + i], SeekOrigin.Begin);
            total += view.Read(buffer);
        }

        return total;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void RawWrite()
    {
        if (Size == Record)
        {
            RawWriteRecords(_file.Base, _offsets, _payload);
        }
        else
        {
            RawSpanCopyWrites(_file.Base, _offsets, _payload);
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void RawSpanCopyWrite() => RawSpanCopyWrites(_file.Base, _offsets, _payload);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void WriteAt()
    {
        if (Size == Record)
        {
            WriteAtRecords(_file.Stream, _offsets, _payload);
        }
        else
        {
            WriteAtArrays(_file.Stream, _offsets, _payload);
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void WriteAtArray() => WriteAtArrays(_file.Stream, _offsets, _payload);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void RandomAccessWrite()
    {
        SafeFileHandle handle = _file.Handle;
        ReadOnlySpan<byte> payload = _payload;
        int start = _offsets.NextBlock(Operations);
        for (int i = 0; i < Operations; i++)
        {
            RandomAccess.Write(handle, payload, _offsets[start + i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void FileStreamSeekWrite()
    {
        FileStream file = _file.FileStream;
        ReadOnlySpan<byte> payload = _payload;
        int start = _offsets.NextBlock(Operations);
        for (int i = 0; i < Operations; i++)
        {
            file.Seek(_offsets[start + i], SeekOrigin.Begin);
            file.Write(payload);
        }

        file.Flush();
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void AccessorWriteArray()
    {
        MemoryMappedViewAccessor accessor = _file.Accessor;
        byte[] payload = _payload;
        int start = _offsets.NextBlock(Operations);
        for (int i = 0; i < Operations; i++)
        {
            accessor.WriteArray(_offsets[start + i], payload, 0, payload.Length);
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void ViewStreamSeekWrite()
    {
        MemoryMappedViewStream view = _file.ViewStream;
        ReadOnlySpan<byte> payload = _payload;
        int start = _offsets.NextBlock(Operations);
        for (int i = 0; i < Operations; i++)
        {
            view.Seek(_offsets[start + i], SeekOrigin.Begin);
            view.Write(payload);
        }
    }

    // The loops. Each is compiled on its own (no inlining into the benchmark method), with the record length a constant
    // where the name says "Records" and the array's length (unknown to the JIT) where it says "Arrays" or "SpanCopy".
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RawReadRecords(byte* mapping, RandomOffsets offsets, byte[] array)
    {
        Span<byte> buffer = array.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            new ReadOnlySpan<byte>(mapping + offset, Record).CopyTo(buffer);
            total += Record;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RawSpanCopyReads(byte* mapping, RandomOffsets offsets, byte[] array)
    {
        Span<byte> buffer = array;
        long total = 0;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            new ReadOnlySpan<byte>(mapping + offset, buffer.Length).CopyTo(buffer);
            total += buffer.Length;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadAtRecords(MappedFileStream stream, RandomOffsets offsets, byte[] array)
    {
        Span<byte> buffer = array.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            total += stream.ReadAt(offset, buffer);
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadAtArrays(MappedFileStream stream, RandomOffsets offsets, byte[] array)
    {
        Span<byte> buffer = array;
        long total = 0;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            total += stream.ReadAt(offset, buffer);
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadExactlyAtRecords(MappedFileStream stream, RandomOffsets offsets, byte[] array)
    {
        Span<byte> buffer = array.AsSpan(0, Record);
        foreach (long offset in offsets.NextSpan(Operations))
        {
            stream.ReadExactlyAt(offset, buffer);
        }

        return Operations * Record;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadExactlyAtArrays(MappedFileStream stream, RandomOffsets offsets, byte[] array)
    {
        Span<byte> buffer = array;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            stream.ReadExactlyAt(offset, buffer);
        }

        return (long)Operations * buffer.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RawWriteRecords(byte* mapping, RandomOffsets offsets, byte[] array)
    {
        ReadOnlySpan<byte> payload = array.AsSpan(0, Record);
        foreach (long offset in offsets.NextSpan(Operations))
        {
            payload.CopyTo(new Span<byte>(mapping + offset, Record));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RawSpanCopyWrites(byte* mapping, RandomOffsets offsets, byte[] array)
    {
        ReadOnlySpan<byte> payload = array;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            payload.CopyTo(new Span<byte>(mapping + offset, payload.Length));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteAtRecords(MappedFileStream stream, RandomOffsets offsets, byte[] array)
    {
        ReadOnlySpan<byte> payload = array.AsSpan(0, Record);
        foreach (long offset in offsets.NextSpan(Operations))
        {
            stream.WriteAt(offset, payload);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteAtArrays(MappedFileStream stream, RandomOffsets offsets, byte[] array)
    {
        ReadOnlySpan<byte> payload = array;
        foreach (long offset in offsets.NextSpan(Operations))
        {
            stream.WriteAt(offset, payload);
        }
    }
}
