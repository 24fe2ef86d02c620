using System;
using System.Collections.Generic;
using System.IO;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Whether opening a file costs more when many are already open: open, read 8 bytes from and close each of 500 files, with
/// <see cref="KeptOpen"/> other files held open meanwhile (0, or 9,500: then the 500 are the last of 10,000 open files).
/// <see cref="MappedFileStream.Open(string, MapOptions)"/> with a read (served from the file before any mapping) and with a
/// direct view (which maps the file) against a default <see cref="FileStream"/> (the baseline). One
/// operation is one file's open, read and close. (The one-shot form, 10,000 opens kept open and their first and last 500
/// timed, is in the plain harness: <c>--plain many-files</c>.)
/// </summary>
/// <remarks>
/// Each open here holds one descriptor (the stream's own open is the mapping's), so 10,000 open files fit the usual limit
/// of 20,000 descriptors with room for the runtime's own.
/// </remarks>
public class ManyFilesBenchmarks
{
    private const int Files = 500;
    private const int FileSize = 4096;

    private readonly List<IDisposable> _kept = [];
    private string[] _paths = null!;
    private byte[] _buffer = null!;

    /// <summary>Gets or sets the number of other files held open while the 500 are opened and closed.</summary>
    [Params(0, 9500)]
    public int KeptOpen { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string directory = DataFiles.Scratch("many-files");
        Directory.CreateDirectory(directory);
        byte[] content = new byte[FileSize];
        new Random(3).NextBytes(content);
        _paths = new string[Files];
        for (int i = 0; i < Files + KeptOpen; i++)
        {
            string path = Path.Combine(directory, $"file-{i}.bin");
            File.WriteAllBytes(path, content);
            if (i < Files)
            {
                _paths[i] = path;
            }
            else
            {
                // Mapped, not only open: a read-only stream maps its file at the first call that needs mapped memory.
                var stream = MappedFileStream.Open(path);
                stream.ReadDirect(0, 1).Dispose();
                _kept.Add(stream);
            }
        }

        _buffer = new byte[8];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _kept.ForEach(file => file.Dispose());
        _kept.Clear();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Files)]
    public long FileStreamOpenRead()
    {
        long total = 0;
        foreach (string path in _paths)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
            total += file.Read(_buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Files)]
    public long MappedOpenRead()
    {
        long total = 0;
        foreach (string path in _paths)
        {
            using MappedFileStream stream = MappedFileStream.Open(path);
            total += stream.ReadAt(0, _buffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Files)]
    public long MappedOpenMapRead()
    {
        long total = 0;
        foreach (string path in _paths)
        {
            // A direct view needs the mapping: this is the open that maps at once.
            using MappedFileStream stream = MappedFileStream.Open(path);
            using System.Buffers.IMemoryOwner<byte> view = stream.ReadDirect(0, _buffer.Length);
            total += view.Memory.Length;
        }

        return total;
    }
}
