using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// The allocation bound of issue 15: reading a 256 MiB file through <see cref="MappedFileStream.AsPipeReader"/>, however
/// many reads it takes, allocates at most 64 KiB in all (the reader, its options and a few segment objects), counted with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around creating the reader, reading everything and completing it.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderAllocationTests
{
    private const long FileSize = 256L << 20;
    private const long Bound = 64 << 10;

    private static TempDirectory s_directory = null!;
    private static string s_path = null!;
    private static long s_lines;

    [OneTimeSetUp]
    public static void CreateFile()
    {
        s_directory = new TempDirectory();
        s_path = s_directory.File("256MiB.txt");
        var chunk = new StringBuilder();
        int linesPerChunk = 0;
        while (chunk.Length < (1 << 20) - 200)
        {
            chunk.Append("line ").Append(linesPerChunk++).Append(' ').Append('x', linesPerChunk % 90).Append('\n');
        }

        chunk.Append('y', (1 << 20) - chunk.Length - 1).Append('\n');
        linesPerChunk++;
        byte[] bytes = Encoding.ASCII.GetBytes(chunk.ToString());
        using var file = new FileStream(s_path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (long written = 0; written < FileSize; written += bytes.Length)
        {
            file.Write(bytes);
        }

        s_lines = linesPerChunk * (FileSize >> 20);
    }

    [OneTimeTearDown]
    public static void DeleteFile() => s_directory.Dispose();

    [Test]
    public async Task ReadAsync_CountingTheLinesOfA256MiBFile_AllocatesAtMost64KiBInAll(
        [Values(4096, MappedPipeReaderOptions.DefaultWindowSize)] int window)
    {
        using var stream = MappedFileStream.Open(s_path);
        (await CountLines(stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = window }))).lines.ShouldBe(s_lines);

        long before = GC.GetAllocatedBytesForCurrentThread();
        (long lines, int reads) = await CountLines(stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = window }));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        lines.ShouldBe(s_lines);
        reads.ShouldBeGreaterThanOrEqualTo((int)(FileSize / window));
        allocated.ShouldBeLessThanOrEqualTo(Bound, $"{reads} reads");
        TestContext.Out.WriteLine($"window {window}: {reads} reads, {allocated} bytes allocated in all");
    }

    [Test]
    public void TryRead_ThroughA256MiBFile_AllocatesAtMost64KiBInAll()
    {
        using var stream = MappedFileStream.Open(s_path);
        ReadThrough(stream.AsPipeReader()).ShouldBe(FileSize);

        long before = GC.GetAllocatedBytesForCurrentThread();
        long read = ReadThrough(stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 4096 }));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        read.ShouldBe(FileSize);
        allocated.ShouldBeLessThanOrEqualTo(Bound);
    }

    [Test]
    public async Task CopyingReader_SameCount_AllocatesWhatItAllocates()
    {
        // Not a bar: the copying reader's figure printed next to ours, for the record.
        // Its reads complete on pool threads, so the count is of the whole process (what other threads allocate meanwhile too).
        using var file = new FileStream(s_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        (long lines, int reads) = await CountLines(PipeReader.Create(file, new StreamPipeReaderOptions(leaveOpen: true)));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        lines.ShouldBe(s_lines);
        TestContext.Out.WriteLine($"PipeReader.Create(FileStream): {reads} reads, {allocated} bytes allocated in the process");
    }

    private static async Task<(long lines, int reads)> CountLines(PipeReader reader)
    {
        long lines = 0;
        int reads = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            reads++;
            var parser = new SequenceReader<byte>(result.Buffer);
            while (parser.TryAdvanceTo((byte)'\n'))
            {
                lines++;
            }

            reader.AdvanceTo(parser.Position, result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return (lines, reads);
            }
        }
    }

    private static long ReadThrough(PipeReader reader)
    {
        long total = 0;
        while (reader.TryRead(out ReadResult result))
        {
            total += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        reader.Complete();
        return total;
    }
}
