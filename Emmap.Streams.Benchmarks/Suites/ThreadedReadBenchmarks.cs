using System;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Random 64-byte reads from <see cref="TeamBenchmarks.Threads"/> threads at once (dotnet/runtime #114846: accessors that take a
/// reference per call collapse under threads). Each thread has its own offsets and buffer; one operation is one read
/// on one thread, so ns/op is the time each thread takes per read and stays flat if nothing is shared.
/// </summary>
public unsafe class ThreadedReadBenchmarks : TeamBenchmarks
{
    private const int Operations = 1 << 15;
    private const int Size = 64;

    // Each thread's buffer starts one cache line into its own array, so no two threads write to one line.
    private const int Pad = 64;

    private LargeFileFixture _file = null!;
    private RandomOffsets[] _offsets = null!;
    private byte[][] _buffers = null!;
    private Action<int> _raw = null!;
    private Action<int> _readAt = null!;
    private Action<int> _accessor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _file = new LargeFileFixture(writable: false);
        StartTeam();
        _offsets = new RandomOffsets[Threads];
        _buffers = new byte[Threads][];
        for (int i = 0; i < Threads; i++)
        {
            _offsets[i] = new RandomOffsets(_file.Length, Size, seed: 42 + i);
            _buffers[i] = new byte[Pad + Size + Pad];
        }

        _raw = RawPointerReadOn;
        _readAt = ReadAtOn;
        _accessor = AccessorReadArrayOn;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        StopTeam();
        _file.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public long RawPointerRead() => RunTeam(_raw);

    [Benchmark(OperationsPerInvoke = Operations)]
    public long ReadAt() => RunTeam(_readAt);

    [Benchmark(OperationsPerInvoke = Operations)]
    public long AccessorReadArray() => RunTeam(_accessor);

    private void RawPointerReadOn(int thread)
    {
        byte* mapping = _file.Base;
        RandomOffsets offsets = _offsets[thread];
        Span<byte> buffer = _buffers[thread].AsSpan(Pad, Size);
        int start = offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            new ReadOnlySpan<byte>(mapping + offsets[start + i], buffer.Length).CopyTo(buffer);
            total += buffer.Length;
        }

        Report(thread, total);
    }

    private void ReadAtOn(int thread)
    {
        MappedFileStream stream = _file.Stream;
        RandomOffsets offsets = _offsets[thread];
        Span<byte> buffer = _buffers[thread].AsSpan(Pad, Size);
        int start = offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            total += stream.ReadAt(offsets[start + i], buffer);
        }

        Report(thread, total);
    }

    private void AccessorReadArrayOn(int thread)
    {
        MemoryMappedViewAccessor accessor = _file.Accessor;
        RandomOffsets offsets = _offsets[thread];
        byte[] buffer = _buffers[thread];
        int start = offsets.NextBlock(Operations);
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            total += accessor.ReadArray(offsets[start + i], buffer, Pad, Size);
        }

        Report(thread, total);
    }
}
