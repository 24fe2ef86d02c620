using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.IO.Pipelines;
using System.Linq;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// An independent check of the quick run (<c>--plain [group]</c>): no BenchmarkDotNet and no quick-run code, just the loops
/// of <see cref="PlainLoops"/> and the open cases, every case of a group timed in alternating rounds in one process (the
/// order reverses every other round), after a warm-up with a pause for tiered compilation. It prints the median and the
/// minimum over the rounds, and each case's median over the group's first case's. Groups: <c>positional</c>,
/// <c>atomic</c>, <c>open</c>, <c>many-files</c>, <c>remap</c>, <c>first-touch</c> (not run by default: it writes a 1 GiB file).
/// </summary>
internal static unsafe class PlainHarness
{
    private const int Rounds = 21;
    private const int AccessesPerPass = 1 << 22;
    private static readonly string[] s_groups = ["positional", "atomic", "open", "many-files", "remap", "first-touch"];

    internal static int Run(string? group)
    {
        if (MachineCheck.Warning() is { } warning)
        {
            Console.Error.WriteLine(warning);
        }

        foreach (string name in s_groups)
        {
            if (group is null ? name != "first-touch" : name.Contains(group, StringComparison.OrdinalIgnoreCase))
            {
                switch (name)
                {
                    case "positional":
                        Positional();
                        break;
                    case "atomic":
                        Atomic();
                        break;
                    case "open":
                        Open();
                        break;
                    case "remap":
                        Remap();
                        break;
                    case "first-touch":
                        FirstTouch();
                        break;
                    default:
                        ManyFiles();
                        break;
                }
            }
        }

        return 0;
    }

    private static void Positional()
    {
        string path = DataFiles.Large();
        using MappedFileStream stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite, Populate = true });
        using IMemoryOwner<byte> view = stream.ReadDirect(0, checked((int)stream.Length));
        using MemoryHandle pin = view.Memory.Pin();
        byte* mapping = (byte*)pin.Pointer;
        for (long at = 0; at < stream.Length; at += Environment.SystemPageSize)
        {
            // Same byte back: every page is mapped for writing before anything is timed.
            Volatile.Write(ref mapping[at], Volatile.Read(ref mapping[at]));
        }

        long length = stream.Length;
        var fields = new ProtocolFields { Cuts = 1, Base = (nint)mapping, End = length };
        byte[] buffer = new byte[PlainLoops.Record];
        byte[] payload = new byte[PlainLoops.Record];
        new Random(7).NextBytes(payload);
        foreach (string locality in new[] { RandomOffsets.Cached, RandomOffsets.Page, RandomOffsets.Dram })
        {
            long[] offsets = Offsets(locality, stream.Length);
            int passes = Math.Max(1, AccessesPerPass / offsets.Length);
            long operations = (long)passes * offsets.Length;
            Measure($"read 64 B, {locality}", operations,
            [
                ("raw copy (constant size)", () => Repeat(passes, () => PlainLoops.RawRead(mapping, offsets, buffer))),
                ("raw copy (runtime's copy)", () => Repeat(passes, () => PlainLoops.RawSpanCopyRead(mapping, offsets, buffer))),
                ("raw copy, paced", () => Repeat(passes, () => PlainLoops.RawReadPaced(mapping, offsets, buffer))),
                ("raw copy, two more register ops", () => Repeat(passes, () => PlainLoops.RawReadTwoMoreOps(mapping, offsets, buffer))),
                ("raw copy, range-checked", () => Repeat(passes, () => PlainLoops.RawReadChecked(mapping, length, offsets, buffer))),
                ("protocol by hand", () => Repeat(passes, () => PlainLoops.ProtocolRead(fields, offsets, buffer))),
                ("protocol in a method", () => Repeat(passes, () => PlainLoops.ProtocolReadInMethod<int>(fields, offsets, buffer))),
                ("... returning long", () => Repeat(passes, () => PlainLoops.ProtocolReadInMethod<long>(fields, offsets, buffer))),
                ("... count not added", () => Repeat(passes, () => PlainLoops.ProtocolReadInMethodUnused(fields, offsets, buffer))),
                ("ReadAt", () => Repeat(passes, () => PlainLoops.ReadAt(stream, offsets, buffer))),
                ("ReadExactlyAt", () => Repeat(passes, () => PlainLoops.ReadExactlyAt(stream, offsets, buffer))),
            ]);
            Measure($"write 64 B, {locality}", operations,
            [
                ("raw copy (constant size)", () => Repeat(passes, () => PlainLoops.RawWrite(mapping, offsets, payload))),
                ("WriteAt", () => Repeat(passes, () => PlainLoops.WriteAt(stream, offsets, payload))),
            ]);
        }
    }

    private static void Atomic()
    {
        const int Operations = 1 << 22;
        const long Cell = 4096;
        string directory = DataFiles.Scratch("plain-atomic");
        Directory.CreateDirectory(directory);
        using MappedFileStream stream = MappedFileStream.Open(
            Path.Combine(directory, "cells.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 1 << 20 });
        using MappedCounters counters = MappedCounters.Open(Path.Combine(directory, "counters.bin"), 4);
        using IMemoryOwner<byte> view = stream.ReadDirect(0, (int)stream.Length);
        using MemoryHandle pin = view.Memory.Pin();
        long* cell = (long*)((byte*)pin.Pointer + Cell);
        var holder = new CellHolder { Cell = (nint)cell };
        Measure("atomic add, one thread", Operations,
        [
            ("Interlocked.Add", () => PlainLoops.InterlockedAdd(cell, Operations)),
            ("Interlocked.Add after a load", () => PlainLoops.InterlockedAddAfterLoad(holder, Operations)),
            ("AtomicAdd", () => PlainLoops.AtomicAdd(stream, Cell, Operations)),
            ("MappedCounters.Increment", () => PlainLoops.Increment(counters, Operations)),
        ]);
    }

    private static void Open()
    {
        const int Opens = 400;
        string path = DataFiles.Scratch("plain-open-1MiB");
        DataFiles.Fill(path, 1 << 20);
        byte[] buffer = new byte[8];
        Measure("open + 8-byte read + dispose, 1 MiB file", Opens,
        [
            ("FileStream", () => Repeat(Opens, () =>
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
                return file.Read(buffer);
            })),
            ("RandomAccess", () => Repeat(Opens, () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return RandomAccess.Read(handle, buffer, 0);
            })),
            ("MappedFileStream", () => Repeat(Opens, () =>
            {
                using MappedFileStream stream = MappedFileStream.Open(path);
                return stream.ReadAt(0, buffer);
            })),
            ("MappedFileStream, direct view", () => Repeat(Opens, () =>
            {
                // A view needs the mapping: the open that maps at once.
                using MappedFileStream stream = MappedFileStream.Open(path);
                using System.Buffers.IMemoryOwner<byte> view = stream.ReadDirect(0, buffer.Length);
                return view.Memory.Length;
            })),
            ("MemoryMappedFile", () => Repeat(Opens, () =>
            {
                using var mapped = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
                using MemoryMappedViewAccessor accessor = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                return accessor.ReadArray(0, buffer, 0, buffer.Length);
            })),
            ("raw mmap", () => Repeat(Opens, () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return RawMmap.ReadFirst(handle, RandomAccess.GetLength(handle), buffer);
            })),
        ]);
    }

    // One pass over a 1 GiB file in the page cache, opened for the pass and closed after it: copied out through pread into a
    // 1 MiB buffer, against a fresh mapping that touches one byte of every page (the least any mapped reader does), with and
    // without making each MiB present with one madvise first (what a reader populating its window ahead would pay).
    private static void FirstTouch()
    {
        string path = DataFiles.Scratch("plain-first-touch-1GiB.txt");
        _ = PipeReaderBenchmarks.WriteLines(path, 1L << 30);
        DataFiles.FlushToDisk(path);
        long length = new FileInfo(path).Length;
        byte[] chunk = new byte[1 << 20];
        Measure("one pass over 1 GiB in the page cache, per pass", 1,
        [
            ("pread, 1 MiB buffer", () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return ReadWhole(handle, length, chunk);
            }),
            ("mmap, a byte per page", () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return RawMmap.TouchPages(handle, length, times: 1);
            }),
            ("mmap, a byte per page, twice", () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return RawMmap.TouchPages(handle, length, times: 2);
            }),
            ("mmap, populated by the MiB", () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return RawMmap.TouchPagesPopulated(handle, length, times: 1, chunk: 1 << 20);
            }),
            ("mmap, populated by the MiB, twice", () =>
            {
                using SafeFileHandle handle = File.OpenHandle(path);
                return RawMmap.TouchPagesPopulated(handle, length, times: 2, chunk: 1 << 20);
            }),
            ("MappedFileStream, per page", () => TouchThroughStream(path, length)),
        ]);

        // The same file once its pages were dropped and read back: written through write(), the page cache held it in 4 KiB
        // folios, each needing its own page-table entry; read back, readahead gives it large folios, and a fault maps a whole
        // 2 MiB folio with one entry.
        using (SafeFileHandle handle = File.OpenHandle(path))
        {
            if (RawMmap.DropCached(handle))
            {
                _ = ReadWhole(handle, length, chunk);
                long before = RawMmap.HugeFileMappings();
                _ = RawMmap.TouchPages(handle, length, times: 1);
                Console.WriteLine(Invariant(
                    $"after dropping the file's pages and reading them back: {RawMmap.HugeFileMappings() - before} of its 2 MiB spans mapped whole by one pass"));
                Measure("one pass over the same 1 GiB, its pages read back through readahead, per pass", 1,
                [
                    ("pread, 1 MiB buffer", () => ReadWhole(handle, length, chunk)),
                    ("mmap, a byte per page", () => RawMmap.TouchPages(handle, length, times: 1)),
                    ("MappedFileStream, per page", () => TouchThroughStream(path, length)),
                ]);
            }
        }

        // The suite's line count, over a file kept open across passes: the mapping stays, and so do its pages.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (MappedFileStream stream = MappedFileStream.Open(path))
        {
            Measure("line count over a file kept open, per pass", 1,
            [
                ("copying reader, 4 KiB buffers", () =>
                {
                    file.Position = 0;
                    return PipeReaderBenchmarks.CountLines(PipeReader.Create(file, new StreamPipeReaderOptions(leaveOpen: true)));
                }),
                ("AsPipeReader", () => PipeReaderBenchmarks.CountLines(stream.AsPipeReader())),
            ]);
        }

        File.Delete(path);
    }

    // A pass of random 64-byte reads over a mapping whose pages are all present, right after something else was done, and
    // the pass after it, with the process's page faults during the first: what other mappings cost a mapping that stays.
    // Two such mappings of the same file: a MappedFileStream's, and a bare mmap where the kernel places it.
    private static void Remap()
    {
        const int Rounds = 11;
        string path = DataFiles.Large();
        long length = new FileInfo(path).Length;
        long[] offsets = Offsets(RandomOffsets.Dram, length);
        byte[] buffer = new byte[PlainLoops.Record];
        byte[] chunk = new byte[1 << 20];
        using SafeFileHandle handle = File.OpenHandle(path);
        using MappedFileStream stream = MappedFileStream.Open(path, new MapOptions { Populate = true });
        using IMemoryOwner<byte> view = stream.ReadDirect(0, checked((int)length));
        using MemoryHandle pin = view.Memory.Pin();
        byte* raw = RawMmap.Map(handle, length);
        try
        {
            long sink = RawMmap.TouchMapped(raw, length);
            foreach ((string kept, nint address) in new[] { ("MappedFileStream", (nint)pin.Pointer), ("bare mmap", (nint)raw) })
            {
                byte* mapping = (byte*)address;
                sink += Repeat(3, () => PlainLoops.RawRead(mapping, offsets, buffer));
                Console.WriteLine(Invariant(
                    $"random 64 B reads over a {length >> 20} MiB {kept} mapping kept open, {offsets.Length} per pass, after:"));
                int below = 0;
                foreach ((string name, Func<long> between) in new (string, Func<long>)[]
                {
                    ("nothing", () => 0),
                    ("pread of the whole file", () => ReadWhole(handle, length, chunk)),
                    ("a 64 MiB mapping made, read, dropped", () => RawMmap.TouchPages(handle, 64 << 20, times: 1)),
                    ($"a {length >> 20} MiB mapping made, read, dropped", () => RawMmap.TouchPages(handle, length, times: 1)),
                    ("the same, asked for right below it", () =>
                    {
                        byte* wanted = mapping - length;
                        byte* other = RawMmap.Map(handle, length, wanted);
                        below += other == wanted ? 1 : 0;
                        long total = RawMmap.TouchMapped(other, length);
                        RawMmap.Unmap(other, length);
                        return total;
                    }),
                })
                {
                    double[] first = new double[Rounds];
                    double[] second = new double[Rounds];
                    long faults = 0;
                    for (int round = 0; round < Rounds; round++)
                    {
                        sink += between();
                        long before = PageFaults();
                        long start = Stopwatch.GetTimestamp();
                        sink += PlainLoops.RawRead(mapping, offsets, buffer);
                        first[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / offsets.Length;
                        faults += PageFaults() - before;
                        start = Stopwatch.GetTimestamp();
                        sink += PlainLoops.RawRead(mapping, offsets, buffer);
                        second[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / offsets.Length;
                    }

                    Console.WriteLine(Invariant(
                        $"  {name,-40} first pass {Format(Median(first)),6} ns   next pass {Format(Median(second)),6} ns   page faults in the first {(double)faults / Rounds,5:F1}"));
                }

                Console.WriteLine(Invariant($"  (the mapping asked for right below landed there in {below} of {Rounds} rounds)"));
                Console.WriteLine();
            }

            GC.KeepAlive(sink);
        }
        finally
        {
            RawMmap.Unmap(raw, length);
        }
    }

    // Opens the file as a MappedFileStream and reads one byte of every page through one direct view of it.
    private static long TouchThroughStream(string path, long length)
    {
        using MappedFileStream stream = MappedFileStream.Open(path);
        using IMemoryOwner<byte> view = stream.ReadDirect(0, checked((int)length));
        ReadOnlySpan<byte> bytes = view.Memory.Span;
        long total = 0;
        for (int at = 0; at < bytes.Length; at += Environment.SystemPageSize)
        {
            total += bytes[at];
        }

        return total;
    }

    private static long ReadWhole(SafeFileHandle handle, long length, byte[] chunk)
    {
        long total = 0;
        for (long at = 0; at < length; at += chunk.Length)
        {
            total += RandomAccess.Read(handle, chunk, at);
        }

        return total;
    }

    // The process's minor and major page faults so far (Linux: fields 10 and 12 of /proc/self/stat); 0 elsewhere.
    private static long PageFaults()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture) + long.Parse(fields[9], CultureInfo.InvariantCulture);
    }

    // 10,000 files opened one after the other and kept open; each open timed alone, then the first and last 500 compared.
    private static void ManyFiles()
    {
        const int Files = 10_000;
        const int Block = 500;
        string directory = DataFiles.Scratch("plain-many");
        Directory.CreateDirectory(directory);
        byte[] content = new byte[4096];
        string[] paths = new string[Files];
        for (int i = 0; i < Files; i++)
        {
            paths[i] = Path.Combine(directory, $"file-{i}.bin");
            File.WriteAllBytes(paths[i], content);
        }

        string warm = Path.Combine(directory, "warm.bin");
        File.WriteAllBytes(warm, content);
        byte[] buffer = new byte[8];
        foreach ((string name, Func<string, IDisposable> open) in new (string, Func<string, IDisposable>)[]
        {
            ("MappedFileStream", p =>
            {
                MappedFileStream stream = MappedFileStream.Open(p);
                stream.ReadAt(0, buffer);
                return stream;
            }),
            ("MappedFileStream, mapped", p =>
            {
                // A direct view maps the file, and the mapping stays while the stream is open.
                MappedFileStream stream = MappedFileStream.Open(p);
                stream.ReadDirect(0, buffer.Length).Dispose();
                return stream;
            }),
            ("FileStream", p =>
            {
                var file = new FileStream(p, FileMode.Open, FileAccess.Read);
                file.ReadExactly(buffer);
                return file;
            }),
        })
        {
            for (int i = 0; i < 3000; i++)
            {
                open(warm).Dispose();
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Thread.Sleep(300);
            var kept = new List<IDisposable>(Files);
            double[] micros = new double[Files];
            for (int i = 0; i < Files; i++)
            {
                long start = Stopwatch.GetTimestamp();
                kept.Add(open(paths[i]));
                micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            kept.ForEach(file => file.Dispose());
            double firstMedian = Median(micros[..Block]);
            double lastMedian = Median(micros[^Block..]);
            double firstMean = micros[..Block].Average();
            double lastMean = micros[^Block..].Average();
            Console.WriteLine(
                Invariant($"{name}, {Files:N0} opens kept open: first {Block} median {firstMedian:F1} µs (mean {firstMean:F1}), last {Block} median ") +
                Invariant($"{lastMedian:F1} µs (mean {lastMean:F1}): last/first {lastMedian / firstMedian:F2}x by median, {lastMean / firstMean:F2}x by mean"));
            int[] slowest = Enumerable.Range(0, Files).OrderByDescending(i => micros[i]).Take(5).ToArray();
            Console.WriteLine("  slowest opens: " + string.Join(", ", slowest.Select(i => Invariant($"#{i} {micros[i] / 1000:F1} ms"))));
        }

        Console.WriteLine();
    }

    private static long[] Offsets(string locality, long length)
    {
        RandomOffsets offsets = RandomOffsets.For(locality, length, PlainLoops.Record);
        long[] result = new long[offsets.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = offsets[i];
        }

        return result;
    }

    private static long Repeat(int times, Func<long> body)
    {
        long total = 0;
        for (int i = 0; i < times; i++)
        {
            total += body();
        }

        return total;
    }

    private static void Measure(string title, long operations, (string Name, Func<long> Body)[] cases)
    {
        long sink = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            foreach ((_, Func<long> body) in cases)
            {
                for (int i = 0; i < 5; i++)
                {
                    sink += body();
                }
            }

            // Lets tiered compilation install the optimized code of everything that just got hot.
            Thread.Sleep(300);
        }

        double[][] nanoseconds = cases.Select(_ => new double[Rounds]).ToArray();
        for (int round = 0; round < Rounds; round++)
        {
            for (int k = 0; k < cases.Length; k++)
            {
                int c = round % 2 == 0 ? k : cases.Length - 1 - k;
                long start = Stopwatch.GetTimestamp();
                sink += cases[c].Body();
                nanoseconds[c][round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / operations;
            }
        }

        GC.KeepAlive(sink);
        double reference = Median(nanoseconds[0]);
        Console.WriteLine(title);
        for (int c = 0; c < cases.Length; c++)
        {
            double median = Median(nanoseconds[c]);
            Console.WriteLine(Invariant(
                $"  {cases[c].Name,-34} median {Format(median),8} ns   min {Format(nanoseconds[c].Min()),8} ns   {median / reference,6:F2}x"));
        }

        Console.WriteLine();
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Format(double value) => ResultTable.Number(value);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
