using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// A <see cref="FileStream"/>'s <see cref="Stream.Length"/> is the file's size at every call, so it follows other writers (another
/// stream on its own descriptor, another process); a mapped stream's does too.
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
}
