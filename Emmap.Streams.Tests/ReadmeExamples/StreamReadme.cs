using System;
using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>
/// The README's <c>MappedFileStream</c> snippets, compiled and run. Each test is one snippet: the lines between the
/// path and the "README promises" checks are quoted verbatim.
/// </summary>
[TestFixture]
public sealed class StreamReadme
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void QuickStart_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("data.bin");

        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 4096 };
        using var stream = MappedFileStream.Open(path, options);
        stream.WriteAt(100, "hello"u8);              // emmap pwrite: Position unchanged
        Span<byte> buffer = stackalloc byte[5];
        int read = stream.ReadAt(100, buffer);       // emmap pread: 5
        stream.Seek(0, SeekOrigin.End);
        stream.Write("appended"u8);                  // grows like a FileStream append
        stream.Flush(flushToDisk: true);             // durable: msync + fsync

        // README promises:
        read.ShouldBe(5);
        buffer.ToArray().ShouldBe("hello"u8.ToArray());
        stream.Length.ShouldBe(4096 + 8);
    }

    [Test]
    public void BasicUsage_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("filename");
        File.WriteAllBytes(path, new byte[200]);

        // emmap: {ok, Mem, _Info} = emmap:open("filename", [read, shared, direct]),
        //        {ok, Binary} = file:pread(Mem, 100, 40), ok = file:close(Mem).
        using var mem = MappedFileStream.Open(path, new MapOptions { Direct = true });
        using var binary = mem.ReadAt(100, 40);      // a view of the mapped bytes, no copy

        // README promises:
        binary.Memory.Length.ShouldBe(40);
    }

    [Test]
    public void Window_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("big.bin");
        File.WriteAllBytes(path, new byte[10_000]);

        // Map bytes [8100, 8300) of the file: position 0 is file byte 8100, no page alignment needed.
        using var window = MappedFileStream.Open(path, offset: 8100, length: 200, new MapOptions { Access = FileAccess.ReadWrite });
        window.WriteAt(0, "starts at 8100"u8);

        // README promises:
        window.Length.ShouldBe(200);
        File.ReadAllBytes(path)[8100].ShouldBe((byte)'s');
    }

    [Test]
    public void Resize_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("grow.bin");

        var options = new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096, MaxIncrementSize = 8192 };
        using var stream = MappedFileStream.Open(path, options);
        long a = stream.Resize();                    // emmap resize/1: 8192 (doubles below MaxIncrementSize)
        long b = stream.Resize();                    // 16384
        long c = stream.Resize();                    // 24576 (then adds MaxIncrementSize)
        stream.SetLength(100);                       // any exact length, 0 included

        // README promises:
        (a, b, c).ShouldBe((8192L, 16384L, 24576L));
        new FileInfo(path).Length.ShouldBe(100);
    }

    [Test]
    public void SharedBetweenHandles_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("q.bin");

        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 128, AutoUnlink = true };
        using var shell1 = MappedFileStream.Open(path, options);
        using var shell2 = MappedFileStream.Open(path, options);
        shell1.WriteAt(0, "abcdefg\n"u8);
        byte[] line = new byte[8];
        shell2.ReadAt(0, line);                      // "abcdefg\n": shared writes are visible at once,
                                                     // to other processes and to plain file reads too

        // README promises:
        line.ShouldBe("abcdefg\n"u8.ToArray());
        File.ReadAllBytes(path)[..8].ShouldBe("abcdefg\n"u8.ToArray());
    }

    [Test]
    public void PositionalIoOnAnyStream_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("plain.bin");
        File.WriteAllBytes(path, "0123456789"u8.ToArray());

        // ReadAt/WriteAt work on any seekable stream: RandomAccess on a FileStream, seek-and-restore elsewhere.
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.WriteAt(2, "ab"u8);
        Span<byte> four = stackalloc byte[4];
        int n = file.ReadAt(1, four);                // 4: "1ab4"; file.Position is still 0

        // README promises:
        n.ShouldBe(4);
        four.ToArray().ShouldBe("1ab4"u8.ToArray());
        file.Position.ShouldBe(0);
    }
}
