using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// Whenever another reader could look (after <see cref="Stream.Flush()"/>, after <see cref="Stream.Dispose()"/>), the size of the
/// file on disk equals <see cref="Stream.Length"/>, as with a <see cref="FileStream"/>, also when another handle of the file stays open.
/// On Windows, which cannot shrink a mapped file, that holds from the last close on (<see cref="SizeOnDisk"/>).
/// </summary>
[TestFixture]
public sealed class OnDiskSizeParityTests
{
    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [TestCase(10)]
    [TestCase(100_000)]
    public void Flush_AfterAppendingWrites_SizeOnDiskIsTheLength(int count)
    {
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream stream = _twins.Open(kind, FileMode.Create, FileAccess.ReadWrite);
            for (int i = 0; i < count; i += 10)
            {
                stream.Write("0123456789"u8);
            }

            stream.Flush();

            ShouldBeTheSizeOnDisk(kind, stream.Length, $"{kind} after Flush");
        }

        SizeOnDisk.Of(_twins.MappedPath).ShouldBe(count, "after the last close");
    }

    [Test]
    public void FlushToDisk_AfterAppendingWrites_SizeOnDiskIsTheLength()
    {
        using var stream = new MappedFileStream(_twins.MappedPath, FileMode.Create);
        stream.Write(new byte[5000]);

        stream.Flush(flushToDisk: true);

        SizeOnDisk.ShouldBeWhileMapped(_twins.MappedPath, 5000);
        stream.Dispose();
        SizeOnDisk.Of(_twins.MappedPath).ShouldBe(5000);
    }

    [Test]
    public void Dispose_OneOfTwoHandles_SizeOnDiskIsTheLength()
    {
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream reader = _twins.Open(kind, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
            using (Stream writer = _twins.Open(kind, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                writer.Write(new byte[10]);
            }

            ShouldBeTheSizeOnDisk(kind, 10, $"{kind} after the writer's Dispose");
            reader.Length.ShouldBe(10);
        }

        SizeOnDisk.Of(_twins.MappedPath).ShouldBe(10, "after the last close");
    }

    [Test]
    public void Dispose_TheOnlyHandle_SizeOnDiskIsTheLength()
    {
        using (var stream = new MappedFileStream(_twins.MappedPath, FileMode.Create))
        {
            stream.Write(new byte[100_000]);
        }

        new FileInfo(_twins.MappedPath).Length.ShouldBe(100_000);
    }

    private void ShouldBeTheSizeOnDisk(StreamKind kind, long expected, string because)
    {
        if (kind == StreamKind.Mapped)
        {
            SizeOnDisk.ShouldBeWhileMapped(_twins.MappedPath, expected, because);
        }
        else
        {
            SizeOnDisk.Of(_twins.FilePath).ShouldBe(expected, because);
        }
    }
}
