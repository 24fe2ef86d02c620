using System;
using System.Buffers;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Zero-copy views. <c>create</c>: getting an owner of <see cref="Size"/> bytes at a random position and disposing it
/// (<see cref="MappedFileStream.ReadDirect"/>, <see cref="MappedFileStream.ReadSequence"/>, a <c>MemoryMappedFile</c>
/// view accessor) against the copying <c>ReadAt(position, length)</c> into a pooled buffer (the baseline).
/// <c>sum</c>: adding up <see cref="Size"/> bytes through a long-lived view's span or sequence against a raw pointer loop.
/// </summary>
public unsafe class DirectViewBenchmarks
{
    private const int Operations = 256;

    private LargeFileFixture _file = null!;
    private MemoryMappedFile _mapped = null!;
    private RandomOffsets _offsets = null!;
    private IMemoryOwner<byte> _wholeView = null!;
    private MappedSequenceOwner _wholeSequence = null!;

    /// <summary>Gets or sets the bytes per view.</summary>
    [Params(64, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = new LargeFileFixture(writable: false);
        _mapped = MemoryMappedFile.CreateFromFile(_file.Path, System.IO.FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _offsets = new RandomOffsets(_file.Length, Size);
        _wholeView = _file.Stream.ReadDirect(0, checked((int)_file.Length));
        _wholeSequence = _file.Stream.ReadSequence(0, _file.Length);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _wholeSequence.Dispose();
        _wholeView.Dispose();
        _mapped.Dispose();
        _file.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("create")]
    public long PooledCopy()
    {
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using IMemoryOwner<byte> copy = _file.Stream.ReadAt(_offsets[start + i], Size);
            total += copy.Memory.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("create")]
    public long ReadDirect()
    {
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using IMemoryOwner<byte> view = _file.Stream.ReadDirect(_offsets[start + i], Size);
            total += view.Memory.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("create")]
    public long ReadSequence()
    {
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using MappedSequenceOwner view = _file.Stream.ReadSequence(_offsets[start + i], Size);
            total += view.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("create")]
    public long AccessorCreate()
    {
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using MemoryMappedViewAccessor view = _mapped.CreateViewAccessor(_offsets[start + i], Size, MemoryMappedFileAccess.Read);
            total += view.Capacity;
        }

        return total;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("sum")]
    public long RawPointerSum()
    {
        byte* mapping = _file.Base;
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            byte* p = mapping + _offsets[start + i];
            for (int j = 0; j < Size; j++)
            {
                total += p[j];
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("sum")]
    public long ViewSpanSum()
    {
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            ReadOnlySpan<byte> bytes = _wholeView.Memory.Span.Slice((int)_offsets[start + i], Size);
            foreach (byte b in bytes)
            {
                total += b;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("sum")]
    public long SequenceSum()
    {
        int start = _offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            ReadOnlySequence<byte> bytes = _wholeSequence.Sequence.Slice(_offsets[start + i], Size);
            foreach (ReadOnlyMemory<byte> segment in bytes)
            {
                foreach (byte b in segment.Span)
                {
                    total += b;
                }
            }
        }

        return total;
    }
}
