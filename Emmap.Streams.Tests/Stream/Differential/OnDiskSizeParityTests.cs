using System.IO;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// Whenever another reader could look (after <see cref="Stream.Flush()"/>, after <see cref="Stream.Dispose()"/>), the size of the
/// file on disk equals <see cref="Stream.Length"/>, as with a <see cref="FileStream"/>, also when another handle of the file stays open.
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

            new FileInfo(_twins.PathOf(kind)).Length.ShouldBe(stream.Length, $"{kind} after Flush");
        }
    }

    [Test]
    public void FlushToDisk_AfterAppendingWrites_SizeOnDiskIsTheLength()
    {
        using var stream = new MappedFileStream(_twins.MappedPath, FileMode.Create);
        stream.Write(new byte[5000]);

        stream.Flush(flushToDisk: true);

        new FileInfo(_twins.MappedPath).Length.ShouldBe(5000);
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

            new FileInfo(_twins.PathOf(kind)).Length.ShouldBe(10, $"{kind} after the writer's Dispose");
            reader.Length.ShouldBe(10);
        }
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
}
