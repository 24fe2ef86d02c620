using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Random positional reads and writes of <see cref="Size"/> bytes over the 256 MiB file: <c>ReadAt</c>/<c>WriteAt</c>
/// against a raw pointer copy on the same mapping (the ceiling, the baseline), <see cref="RandomAccess"/>,
/// <see cref="FileStream"/> seek plus read or write, and <c>MemoryMappedFile</c>'s accessor and view stream.
/// <see cref="Locality"/> <c>cached</c> measures each call's own cost (the bars); <c>spread</c> adds a TLB and cache
/// miss to every access, as random access to a file much larger than the caches has.
/// </summary>
public unsafe class PositionalBenchmarks
{
    private const int Operations = 1024;

    private LargeFileFixture _file = null!;
    private RandomOffsets _offsets = null!;
    private byte[] _buffer = null!;
    private byte[] _payload = null!;

    /// <summary>Gets or sets the bytes per access.</summary>
    [Params(64, 4096)]
    public int Size { get; set; }

    /// <summary>Gets or sets how many distinct offsets the accesses cycle through (see <see cref="RandomOffsets"/>).</summary>
    [Params(RandomOffsets.Cached, RandomOffsets.Spread)]
    public string Locality { get; set; } = RandomOffsets.Cached;

    [GlobalSetup]
    public void Setup()
    {
        _file = new LargeFileFixture(writable: true);
        _offsets = new RandomOffsets(_file.Length, Size, Locality);
        _buffer = new byte[Size];
        _payload = new byte[Size];
        new Random(7).NextBytes(_payload);
    }

    [GlobalCleanup]
    public void Cleanup() => _file.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long RawPointerRead()
    {
        byte* mapping = _file.Base;
        Span<byte> buffer = _buffer;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            new ReadOnlySpan<byte>(mapping + _offsets[start + i], buffer.Length).CopyTo(buffer);
            total += buffer.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("read")]
    public long ReadAt()
    {
        MappedFileStream stream = _file.Stream;
        Span<byte> buffer = _buffer;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            total += stream.ReadAt(_offsets[start + i], buffer);
        }

        return total;
    }

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
    public void RawPointerWrite()
    {
        byte* mapping = _file.Base;
        ReadOnlySpan<byte> payload = _payload;
        int start = _offsets.NextBlock(Operations);
        for (int i = 0; i < Operations; i++)
        {
            payload.CopyTo(new Span<byte>(mapping + _offsets[start + i], payload.Length));
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("write")]
    public void WriteAt()
    {
        MappedFileStream stream = _file.Stream;
        ReadOnlySpan<byte> payload = _payload;
        int start = _offsets.NextBlock(Operations);
        for (int i = 0; i < Operations; i++)
        {
            stream.WriteAt(_offsets[start + i], payload);
        }
    }

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
}
