using System;
using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// A stream opened with <see cref="FileOptions.Asynchronous"/> and a sharing that keeps other handles from writing: on Windows the
/// mapping cannot have a handle of its own then, and works through the stream's own open, which is open for overlapped I/O and
/// bound to the thread pool's completion port.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamAsyncHandleTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [TestCase(FileShare.None)]
    [TestCase(FileShare.Read)]
    public void AsynchronousOpen_ThatSharesNoWriting_GrowsShrinksAndFlushes(FileShare share)
    {
        string path = _directory.File("async.bin");
        byte[] data = new byte[200_000];
        new Random(7).NextBytes(data);
        using (var stream = new MappedFileStream(path, FileMode.Create, FileAccess.ReadWrite, share, 1, FileOptions.Asynchronous))
        {
            stream.Write(data);
            stream.SetLength(10);
            stream.SetLength(150_000);
            stream.Position = 0;
            byte[] read = new byte[150_000];
            stream.ReadExactly(read);
            read.AsSpan(0, 10).ToArray().ShouldBe(data.AsSpan(0, 10).ToArray());
            read.AsSpan(10).IndexOfAnyExcept((byte)0).ShouldBe(-1);
            stream.Flush(flushToDisk: true);
        }

        new FileInfo(path).Length.ShouldBe(150_000);
    }

    [Test]
    public void AsynchronousWriter_ThatSharesOnlyReading_JoinsAReaderOfTheSameFile()
    {
        string path = _directory.File("async-join.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        using var reader = new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        reader.ReadByte().ShouldBe(1);
        using (var writer = new MappedFileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.Asynchronous))
        {
            writer.Position = 3;
            writer.Write(new byte[100_000]);
            writer.WriteByte(9);
            writer.Flush(flushToDisk: true);
        }

        reader.Length.ShouldBe(100_004);
        reader.Position = 100_003;
        reader.ReadByte().ShouldBe(9);
    }
}
