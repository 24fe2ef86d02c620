using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Opening an existing 1 MiB file, reading its first 8 bytes and closing it again: <see cref="MappedFileStream.Open(string, MapOptions)"/>
/// with the default options (read-only, shared) against a default <see cref="FileStream"/> (the baseline: it reads its 4 KiB
/// buffer), a <see cref="SafeFileHandle"/> from <see cref="File.OpenHandle"/> with <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>,
/// the same open taking a direct view of the first 8 bytes (<see cref="MappedOpenMapRead"/>: a read-only stream reads its first
/// bytes from the file and maps it only when a call needs mapped memory, as a view does), a <see cref="MemoryMappedFile"/> with a view accessor, and the floor of any mapping (<see cref="RawMmap"/>: the same handle,
/// one <c>mmap</c> of the whole file, the read, one <c>munmap</c>). One operation is the whole open, read and dispose.
/// </summary>
public class OpenBenchmarks
{
    private const int Operations = 16;

    private string _path = null!;
    private byte[] _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _path = DataFiles.Scratch("open-1MiB");
        DataFiles.Fill(_path, 1 << 20);
        _buffer = new byte[8];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public long FileStreamOpenRead()
    {
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using var file = new FileStream(_path, FileMode.Open, FileAccess.Read);
            total += file.Read(_buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long RandomAccessOpenRead()
    {
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using SafeFileHandle handle = File.OpenHandle(_path);
            total += RandomAccess.Read(handle, _buffer, 0);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long MappedOpenRead()
    {
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using MappedFileStream stream = MappedFileStream.Open(_path);
            total += stream.ReadAt(0, _buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long MappedOpenMapRead()
    {
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            // A direct view needs the mapping: this is the open that maps at once.
            using MappedFileStream stream = MappedFileStream.Open(_path);
            using System.Buffers.IMemoryOwner<byte> view = stream.ReadDirect(0, _buffer.Length);
            total += view.Memory.Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long RawMmapOpenRead()
    {
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using SafeFileHandle handle = File.OpenHandle(_path);
            total += RawMmap.ReadFirst(handle, RandomAccess.GetLength(handle), _buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long MemoryMappedFileOpenRead()
    {
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            using var mapped = MemoryMappedFile.CreateFromFile(_path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
            using MemoryMappedViewAccessor accessor = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            total += accessor.ReadArray(0, _buffer, 0, _buffer.Length);
        }

        return total;
    }
}
