using System;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Random 64-byte reads from <see cref="TeamBenchmarks.Threads"/> threads at once (dotnet/runtime #114846: accessors that take a
/// reference per call collapse under threads). Each thread has its own 1024 cache-resident offsets and buffer; one operation
/// is one read on one thread, so ns/op is the time each thread takes per read and stays flat if nothing is shared. The
/// baseline is a constant-size 64-byte copy, the fastest raw code for fixed-size records.
/// </summary>
public unsafe class ThreadedReadBenchmarks : TeamBenchmarks
{
    private const int Operations = 1 << 15;
    private const int Block = 1 << 10;
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

    private void RawPointerReadOn(int thread) =>
        Report(thread, RawReads(_file.Base, _offsets[thread], _buffers[thread].AsSpan(Pad, Size)));

    private void ReadAtOn(int thread) =>
        Report(thread, ReadAts(_file.Stream, _offsets[thread], _buffers[thread].AsSpan(Pad, Size)));

    // As in PositionalBenchmarks: a constant-size copy, and ReadAt into a span of constant length, in loops of their own.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RawReads(byte* mapping, RandomOffsets offsets, Span<byte> buffer)
    {
        Span<byte> record = buffer[..Size];
        long total = 0;
        for (int block = 0; block < Operations / Block; block++)
        {
            foreach (long offset in offsets.NextSpan(Block))
            {
                new ReadOnlySpan<byte>(mapping + offset, Size).CopyTo(record);
                total += Size;
            }
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadAts(MappedFileStream stream, RandomOffsets offsets, Span<byte> buffer)
    {
        Span<byte> record = buffer[..Size];
        long total = 0;
        for (int block = 0; block < Operations / Block; block++)
        {
            foreach (long offset in offsets.NextSpan(Block))
            {
                total += stream.ReadAt(offset, record);
            }
        }

        return total;
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
