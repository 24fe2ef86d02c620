using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Issue 15: parsing fed by <see cref="MappedFileStream.AsPipeReader"/> against the copying feeds, one operation being one
/// whole file. The files are in the page cache for every case; each operation opens its file and closes it, so the mapped
/// cases pay for mapping the file and faulting its pages in, as a program that parses a file once does.
/// <list type="bullet">
/// <item><c>lines</c>: counting the lines of a 1 GiB text file with <see cref="SequenceReader{T}.TryAdvanceTo(T, bool)"/>
/// over <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/> on a <see cref="FileStream"/> with its defaults
/// (the baseline: 4 KiB buffers), the same with 1 MiB buffers, our reader, and one <see cref="MappedFileStream.ReadSequence"/>
/// over the whole file (the ceiling: no reader at all). Each of those opens the file for its pass; the copying reader and our
/// reader also run over a file kept open across passes (<c>OpenFile</c>, <c>OpenStream</c>), as a service that parses the
/// same file again does: the mapping then stays, and its pages stay present.</item>
/// <item><c>lines-bulk</c>: the same count with a vectorized count of the newlines in each segment instead of a call per
/// line, so the feed's own cost shows instead of the parser's.</item>
/// <item><c>json</c>: <c>JsonSerializer.DeserializeAsync</c> of a 100 MB JSON array into a list of objects, through the
/// <see cref="Stream"/> overload on a <see cref="FileStream"/> (the baseline), through the <see cref="PipeReader"/> overload
/// (new in .NET 10) on <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/>, and on our reader.</item>
/// <item><c>read</c>: reading the shared 256 MiB file through (a vectorized pass over every byte), on a stream kept open, for the allocation
/// bar (at most 64 KiB in all, however many reads): our reader with its default window and with a 4 KiB one (65,536
/// reads), against the copying reader.</item>
/// </list>
/// </summary>
public class PipeReaderBenchmarks
{
    private const long LinesFileSize = 1L << 30;

    private static readonly JsonSerializerOptions s_json = JsonSerializerOptions.Web;

    private string _lines = null!;
    private long _lineCount;
    private string _json = null!;
    private int _orderCount;
    private MappedFileStream? _large;
    private FileStream? _linesFile;
    private MappedFileStream? _linesStream;
    private string _largePath = null!;

    [GlobalSetup(Targets = [nameof(CopyingReaderLines), nameof(CopyingReader1MiBLines), nameof(MappedReaderLines), nameof(ReadSequenceLines), nameof(CopyingReaderLinesOpenFile), nameof(MappedReaderLinesOpenStream), nameof(CopyingReaderBulkCount), nameof(MappedReaderBulkCount)])]
    public void SetupLines()
    {
        _lines = DataFiles.Scratch("lines-1GiB.txt");
        _lineCount = WriteLines(_lines, LinesFileSize);
        DataFiles.FlushToDisk(_lines);
        _linesFile = new FileStream(_lines, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        _linesStream = MappedFileStream.Open(_lines);
    }

    [GlobalSetup(Targets = [nameof(StreamJson), nameof(CopyingReaderJson), nameof(MappedReaderJson)])]
    public void SetupJson()
    {
        _json = DataFiles.Scratch("orders-100MB.json");
        _orderCount = WriteOrders(_json, 100_000_000);
        DataFiles.FlushToDisk(_json);
    }

    [GlobalSetup(Targets = [nameof(CopyingReaderRead), nameof(MappedReaderRead), nameof(MappedReader4KiBRead)])]
    public void SetupRead()
    {
        _largePath = DataFiles.Large();
        _large = MappedFileStream.Open(_largePath);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _large?.Dispose();
        _linesFile?.Dispose();
        _linesStream?.Dispose();
        foreach (string? path in (string?[])[_lines, _json])
        {
            if (path is not null)
            {
                File.Delete(path);
            }
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("lines")]
    public long CopyingReaderLines()
    {
        using FileStream file = File.OpenRead(_lines);
        return Check(CountLines(PipeReader.Create(file)), _lineCount);
    }

    [Benchmark]
    [BenchmarkCategory("lines")]
    public long CopyingReader1MiBLines()
    {
        using FileStream file = File.OpenRead(_lines);
        return Check(CountLines(PipeReader.Create(file, new StreamPipeReaderOptions(bufferSize: 1 << 20, minimumReadSize: 64 << 10))), _lineCount);
    }

    [Benchmark]
    [BenchmarkCategory("lines")]
    public long MappedReaderLines()
    {
        using var stream = MappedFileStream.Open(_lines);
        return Check(CountLines(stream.AsPipeReader()), _lineCount);
    }

    [Benchmark]
    [BenchmarkCategory("lines")]
    public long ReadSequenceLines()
    {
        using var stream = MappedFileStream.Open(_lines);
        using MappedSequenceOwner owner = stream.ReadSequence(0, stream.Length);
        var reader = new SequenceReader<byte>(owner.Sequence);
        long lines = 0;
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            lines++;
        }

        return Check(lines, _lineCount);
    }

    [Benchmark]
    [BenchmarkCategory("lines")]
    public long CopyingReaderLinesOpenFile()
    {
        _linesFile!.Position = 0;
        return Check(CountLines(PipeReader.Create(_linesFile, new StreamPipeReaderOptions(leaveOpen: true))), _lineCount);
    }

    [Benchmark]
    [BenchmarkCategory("lines")]
    public long MappedReaderLinesOpenStream() => Check(CountLines(_linesStream!.AsPipeReader()), _lineCount);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("lines-bulk")]
    public long CopyingReaderBulkCount()
    {
        using FileStream file = File.OpenRead(_lines);
        return Check(CountNewlines(PipeReader.Create(file)), _lineCount);
    }

    [Benchmark]
    [BenchmarkCategory("lines-bulk")]
    public long MappedReaderBulkCount()
    {
        using var stream = MappedFileStream.Open(_lines);
        return Check(CountNewlines(stream.AsPipeReader()), _lineCount);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("json")]
    public long StreamJson()
    {
        using FileStream file = File.OpenRead(_json);
        List<Order>? orders = JsonSerializer.DeserializeAsync<List<Order>>(file, s_json).AsTask().GetAwaiter().GetResult();
        return Check(orders!.Count, _orderCount);
    }

    [Benchmark]
    [BenchmarkCategory("json")]
    public long CopyingReaderJson()
    {
        using FileStream file = File.OpenRead(_json);
        return Check(Deserialize(PipeReader.Create(file)), _orderCount);
    }

    [Benchmark]
    [BenchmarkCategory("json")]
    public long MappedReaderJson()
    {
        using var stream = MappedFileStream.Open(_json);
        return Check(Deserialize(stream.AsPipeReader()), _orderCount);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("read")]
    public long CopyingReaderRead()
    {
        using FileStream file = File.OpenRead(_largePath);
        return Check(ReadThrough(PipeReader.Create(file)), DataFiles.LargeFileSize);
    }

    [Benchmark]
    [BenchmarkCategory("read")]
    public long MappedReaderRead() => Check(ReadThrough(_large!.AsPipeReader()), DataFiles.LargeFileSize);

    [Benchmark]
    [BenchmarkCategory("read")]
    public long MappedReader4KiBRead() =>
        Check(ReadThrough(_large!.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 4096 })), DataFiles.LargeFileSize);

    /// <summary>Counts the lines <paramref name="reader"/> delivers, one <see cref="SequenceReader{T}.TryAdvanceTo(T, bool)"/> per line, and completes it.</summary>
    internal static long CountLines(PipeReader reader) => CountLinesAsync(reader).GetAwaiter().GetResult();

    private static async Task<long> CountLinesAsync(PipeReader reader)
    {
        long lines = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
            var parser = new SequenceReader<byte>(result.Buffer);
            while (parser.TryAdvanceTo((byte)'\n'))
            {
                lines++;
            }

            reader.AdvanceTo(parser.Position, result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                return lines;
            }
        }
    }

    private static long CountNewlines(PipeReader reader) => CountNewlinesAsync(reader).GetAwaiter().GetResult();

    private static async Task<long> CountNewlinesAsync(PipeReader reader)
    {
        long lines = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                lines += segment.Span.Count((byte)'\n');
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                return lines;
            }
        }
    }

    private static long Deserialize(PipeReader reader)
    {
        List<Order>? orders = JsonSerializer.DeserializeAsync<List<Order>>(reader, s_json).AsTask().GetAwaiter().GetResult();
        reader.Complete();
        return orders!.Count;
    }

    private static long ReadThrough(PipeReader reader) => ReadThroughAsync(reader).GetAwaiter().GetResult();

    private static async Task<long> ReadThroughAsync(PipeReader reader)
    {
        long total = 0;
        long zeros = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                // Every byte is looked at (the copying reader has copied each one; the mapped one shows the page itself).
                total += segment.Length;
                zeros += segment.Span.Count((byte)0);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                Sink.Value = zeros;
                return total;
            }
        }
    }

    private static long Check(long value, long expected) =>
        value == expected ? value : throw new InvalidOperationException($"Read {value}, expected {expected}: the benchmark is broken.");

    /// <summary>Writes about <paramref name="size"/> bytes of text lines of 20 to 140 bytes; returns the number of lines.</summary>
    internal static long WriteLines(string path, long size)
    {
        // One mebibyte of lines, ending with a newline, written over and over.
        var random = new Random(15);
        var chunk = new StringBuilder(1 << 20);
        int linesPerChunk = 0;
        while (true)
        {
            int length = random.Next(20, 141);
            if (chunk.Length + length > 1 << 20)
            {
                break;
            }

            string number = linesPerChunk.ToString(System.Globalization.CultureInfo.InvariantCulture);
            chunk.Append(number).Append(' ').Append((char)('a' + (linesPerChunk % 26)), Math.Max(1, length - number.Length - 2)).Append('\n');
            linesPerChunk++;
        }

        byte[] bytes = Encoding.ASCII.GetBytes(chunk.ToString());
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        long chunks = size / bytes.Length;
        for (long i = 0; i < chunks; i++)
        {
            file.Write(bytes);
        }

        return chunks * linesPerChunk;
    }

    /// <summary>Writes a JSON array of orders of about <paramref name="size"/> bytes; returns the number of orders.</summary>
    private static int WriteOrders(string path, long size)
    {
        var random = new Random(15);
        string[] tags = ["express", "gift", "fragile", "bulk", "priority", "return"];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1 << 20);
        using var writer = new Utf8JsonWriter(file);
        writer.WriteStartArray();
        int count = 0;
        while (writer.BytesCommitted + writer.BytesPending < size)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", count);
            writer.WriteString("customer", $"customer-{random.Next(100_000)}");
            writer.WriteString("email", $"c{random.Next(100_000)}@example.com");
            writer.WriteNumber("total", Math.Round(random.NextDouble() * 1000, 2));
            writer.WriteNumber("items", random.Next(1, 20));
            writer.WriteBoolean("paid", random.Next(2) == 0);
            writer.WriteStartArray("tags");
            for (int t = random.Next(0, 4); t > 0; t--)
            {
                writer.WriteStringValue(tags[random.Next(tags.Length)]);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            count++;
            if (writer.BytesPending > 1 << 20)
            {
                writer.Flush();
            }
        }

        writer.WriteEndArray();
        writer.Flush();
        return count;
    }

    /// <summary>One element of the JSON array.</summary>
    public sealed record Order(int Id, string Customer, string Email, double Total, int Items, bool Paid, string[] Tags);
}
