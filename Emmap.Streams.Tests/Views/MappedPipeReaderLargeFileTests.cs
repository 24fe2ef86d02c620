using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// <see cref="MappedFileStream.AsPipeReader"/> over sparse files far larger than 2 GiB (made with
/// <see cref="FileStream.SetLength"/>, so they cost no disk): positions past <see cref="int.MaxValue"/>, buffers of several
/// segments, and a 100 GiB file read through a bounded window without the reader touching a page.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderLargeFileTests
{
    private const long OneGiB = 1L << 30;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("sparse.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task ReadAsync_SparseFileOf5GiB_DeliversTheMarkersAcross2And4GiBAtTheirPositions()
    {
        long length = 5 * OneGiB;
        var markers = new Dictionary<long, string>
        {
            [(2 * OneGiB) - 3] = "across-2GiB",
            [(4 * OneGiB) + 12345] = "above-4GiB",
            [length - 8] = "the-end!",
        };
        CreateSparse(length, markers);
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 64 << 20 });

        long position = 0;
        var found = new Dictionary<long, string>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            buffer.Length.ShouldBeLessThanOrEqualTo(64 << 20);
            foreach ((long at, string text) in markers)
            {
                // Only the markers' pages are touched; a marker cut by the end of a buffer is looked at in the next one.
                if (at >= position && at + text.Length <= position + buffer.Length)
                {
                    found[at] = Encoding.ASCII.GetString(buffer.Slice(at - position, text.Length));
                }
            }

            long keep = result.IsCompleted ? 0 : 16;
            position += buffer.Length - keep;
            reader.AdvanceTo(buffer.GetPosition(buffer.Length - keep), buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        position.ShouldBe(length);
        found.ShouldBe(markers);
        if (OperatingSystem.IsLinux())
        {
            // The resident pages come from /proc/self/smaps.
            long resident = ProcessMaps.ResidentBytes(_path);
            resident.ShouldBeGreaterThan(0, "the consumer read the markers' pages");
            resident.ShouldBeLessThan(1 << 20, "and only those (with the kernel's fault-around): not the 5 GiB it was shown");
        }
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_ConsumerHoldsMoreThan2GiB_BufferOfSeveralSegmentsWithTheRightBytesAtEveryBoundary()
    {
        long length = 3 * OneGiB;
        CreateSparse(length, new Dictionary<long, string> { [OneGiB - 2] = "AB|CD", [(2 * OneGiB) - 3] = "xyz|uvw" });
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 800 << 20 });

        ReadResult result = default;
        for (int i = 0; i < 3; i++)
        {
            result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        // Three windows held and examined; the fourth read reaches the end of the file.
        result = await reader.ReadAsync();
        ReadOnlySequence<byte> buffer = result.Buffer;
        result.IsCompleted.ShouldBeTrue();
        buffer.Length.ShouldBe(length);
        buffer.IsSingleSegment.ShouldBeFalse();
        Encoding.ASCII.GetString(buffer.Slice(OneGiB - 2, 5)).ShouldBe("AB|CD");
        Encoding.ASCII.GetString(buffer.Slice((2 * OneGiB) - 3, 7)).ShouldBe("xyz|uvw");

        var parser = new SequenceReader<byte>(buffer);
        parser.Advance((2 * OneGiB) - 10);
        parser.TryAdvanceTo((byte)'|').ShouldBeTrue("a search across the 2 GiB segment boundary");
        parser.Consumed.ShouldBe((2 * OneGiB) + 1, "just past the delimiter at 2 GiB");

        // Consume into the second segment: the next buffer starts there and still ends where the held one did.
        reader.AdvanceTo(buffer.GetPosition((2 * OneGiB) - 3), buffer.GetPosition((2 * OneGiB) - 2));
        ReadResult next = await reader.ReadAsync();
        next.Buffer.Length.ShouldBe(length - ((2 * OneGiB) - 3));
        next.IsCompleted.ShouldBeTrue();
        Encoding.ASCII.GetString(next.Buffer.Slice(0, 7)).ShouldBe("xyz|uvw");
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_ThroughA100GiBFile_ShowsAtMostTheWindowPinsOnceAndTouchesNoPage()
    {
        if (TestPlatform.IsWine)
        {
            Assert.Ignore("Wine 10 refuses a view of 100 GiB of a file (MapViewOfFile3: ERROR_NOT_ENOUGH_MEMORY); Windows maps it.");
        }

        const long length = 100 * OneGiB;
        const int window = 64 << 20;
        CreateSparse(length, []);
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = window });

        long total = 0;
        int reads = 0;
        long largest = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            reads++;
            largest = Math.Max(largest, result.Buffer.Length);
            stream.LiveViewCount.ShouldBeLessThanOrEqualTo(1);
            total += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        total.ShouldBe(length);
        largest.ShouldBe(window);
        reads.ShouldBe((int)(length / window));
        ProcessMaps.ResidentBytes(_path).ShouldBe(0, "the reader itself never touches the mapped bytes");
        await reader.CompleteAsync();
        stream.LiveViewCount.ShouldBe(0);
    }

    private void CreateSparse(long length, Dictionary<long, string> markers)
    {
        using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(length);
        foreach ((long at, string text) in markers)
        {
            RandomAccess.Write(file.SafeFileHandle, Encoding.ASCII.GetBytes(text), at);
        }
    }
}
