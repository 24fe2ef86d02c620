using System.IO;
using System.Text;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// A <see cref="FileStream"/>'s <see cref="Stream.Length"/> is the file's size at every call, so it follows other writers (another
/// stream on its own descriptor, another process); a mapped stream's does too, and so do its writes past the end it last saw.
/// </summary>
[TestFixture]
public sealed class ExternalLengthParityTests
{
    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [Test]
    public void Length_AfterAnotherWriterExtendsAndTruncatesTheFile_FollowsIt()
    {
        _twins.Seed("0123456789"u8.ToArray());
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            string path = _twins.PathOf(kind);
            using Stream stream = _twins.Open(kind, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

            using (var other = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                other.Write(new byte[5000]);
            }

            stream.Length.ShouldBe(5010, $"{kind} after another writer appended");

            if (kind == StreamKind.Mapped && !SizeOnDisk.MappedFilesCanShrink)
            {
                // Windows refuses to truncate a file while it is mapped (ERROR_USER_MAPPED_FILE): the other writer is told so.
                Should.Throw<IOException>(() => new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite));
                stream.Length.ShouldBe(5010, $"{kind} after another writer failed to truncate");
                continue;
            }

            using (var other = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
            {
            }

            stream.Length.ShouldBe(0, $"{kind} after another writer truncated");
        }
    }

    [TestCase(FileMode.Open, FileAccess.ReadWrite, 10)]
    [TestCase(FileMode.Open, FileAccess.ReadWrite, 12)]
    [TestCase(FileMode.Open, FileAccess.ReadWrite, 14)]
    [TestCase(FileMode.Open, FileAccess.ReadWrite, 5012)]
    [TestCase(FileMode.Open, FileAccess.Write, 11)]
    [TestCase(FileMode.Append, FileAccess.Write, 10)]
    [TestCase(FileMode.Append, FileAccess.Write, 12)]
    public void Write_PastTheEndAfterAnotherWriterAppended_KeepsTheAppendedBytes(FileMode mode, FileAccess access, long position)
    {
        _twins.Seed("0123456789"u8.ToArray());
        string expected = WriteAfterAnotherWriterAppended(StreamKind.FileStream, mode, access, position);
        string actual = WriteAfterAnotherWriterAppended(StreamKind.Mapped, mode, access, position);

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    private string WriteAfterAnotherWriterAppended(StreamKind kind, FileMode mode, FileAccess access, long position)
    {
        string path = _twins.PathOf(kind);
        var seen = new StringBuilder();
        using (Stream stream = _twins.Open(kind, mode, access, FileShare.ReadWrite))
        {
            using (var other = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                other.Write(position > 1000 ? Encoding.ASCII.GetBytes(new string('X', 5000)) : "XYZ"u8.ToArray());
            }

            stream.Position = position;
            stream.Write("ab"u8);
            seen.Append($"Position={stream.Position} Length={stream.Length}");
            stream.Write("c"u8);
            seen.Append($" Position={stream.Position} Length={stream.Length}");
        }

        return seen.ToString();
    }
}
