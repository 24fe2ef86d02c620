using System;
using System.IO;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Sequential 1 MiB reads through the 256 MiB file, wrapping at the end: <see cref="Stream.Read(Span{byte})"/> on a
/// <see cref="MappedFileStream"/> against a raw copy from its mapping (the baseline), <see cref="RandomAccess"/>,
/// <see cref="FileStream"/> and <c>MemoryMappedViewStream</c>. One operation is one 1 MiB read.
/// </summary>
public unsafe class SequentialReadBenchmarks
{
    private const int Chunk = 1 << 20;

    private LargeFileFixture _file = null!;
    private byte[] _buffer = null!;
    private long _rawPosition;
    private long _randomAccessPosition;

    [GlobalSetup]
    public void Setup()
    {
        _file = new LargeFileFixture(writable: false);
        _buffer = new byte[Chunk];
    }

    [GlobalCleanup]
    public void Cleanup() => _file.Dispose();

    [Benchmark(Baseline = true)]
    public int RawCopy()
    {
        long position = _rawPosition;
        new ReadOnlySpan<byte>(_file.Base + position, Chunk).CopyTo(_buffer);
        _rawPosition = position + Chunk == _file.Length ? 0 : position + Chunk;
        return Chunk;
    }

    [Benchmark]
    public int StreamRead() => ReadWrapping(_file.Stream);

    [Benchmark]
    public int RandomAccessRead()
    {
        long position = _randomAccessPosition;
        int read = RandomAccess.Read(_file.Handle, _buffer, position);
        _randomAccessPosition = position + read >= _file.Length ? 0 : position + read;
        return read;
    }

    [Benchmark]
    public int FileStreamRead() => ReadWrapping(_file.FileStream);

    [Benchmark]
    public int ViewStreamRead() => ReadWrapping(_file.ViewStream);

    private int ReadWrapping(Stream stream)
    {
        int read = stream.Read(_buffer);
        if (stream.Position >= _file.Length)
        {
            stream.Position = 0;
        }

        return read;
    }
}
