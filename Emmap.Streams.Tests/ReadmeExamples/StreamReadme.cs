using System;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>
/// The README's <c>MappedFileStream</c> samples, compiled and run twice in a row, as a user may run them. Each test quotes one sample
/// verbatim (its using directives aside) and then checks what its comments promise.
/// </summary>
[TestFixture]
public sealed class StreamReadme
{
    [Test]
    public void QuickStart_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "quickstart.bin");
            var options = new MapOptions { Mode = FileMode.Create, Access = FileAccess.ReadWrite, Size = 4096 };
            using var stream = MappedFileStream.Open(path, options);
            stream.WriteAt(100, "hello"u8);              // emmap pwrite: Position unchanged
            Span<byte> buffer = stackalloc byte[5];
            int read = stream.ReadAt(100, buffer);       // emmap pread: 5
            stream.Seek(0, SeekOrigin.End);
            stream.Write("appended"u8);                  // grows like a FileStream append
            stream.Flush(flushToDisk: true);             // durable: msync + fsync
            Console.WriteLine($"read {read} bytes; the file has {stream.Length} bytes");  // read 5 bytes; the file has 4104 bytes

            // README promises:
            read.ShouldBe(5);
            buffer.ToArray().ShouldBe("hello"u8.ToArray());
            stream.Length.ShouldBe(4096 + 8);
        }
    }

    [Test]
    public void BasicUsage_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "filename");
            File.WriteAllText(path, string.Concat(Enumerable.Repeat("memory-mapped\n", 12)));  // 168 bytes

            // emmap: {ok, Mem, _Info} = emmap:open("filename", [read, shared, direct]),
            //        {ok, Binary} = file:pread(Mem, 100, 40), ok = file:close(Mem).
            using var mem = MappedFileStream.Open(path, new MapOptions { Direct = true });
            using var binary = mem.ReadAt(100, 40);      // a view of the mapped bytes, no copy

            // README promises:
            binary.Memory.Length.ShouldBe(40);
            SharedFile.ReadAllBytes(path).Length.ShouldBe(168);
        }
    }

    [Test]
    public void Window_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "big.bin");
            File.WriteAllBytes(path, new byte[10_000]);

            // Map bytes [8100, 8300) of the file: position 0 is file byte 8100, no page alignment needed.
            using var window = MappedFileStream.Open(path, offset: 8100, length: 200, new MapOptions { Access = FileAccess.ReadWrite });
            window.WriteAt(0, "starts at 8100"u8);

            // README promises:
            window.Length.ShouldBe(200);
            SharedFile.ReadAllBytes(path)[8100].ShouldBe((byte)'s');
        }
    }

    [Test]
    public void Resize_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "grow.bin");
            var options = new MapOptions { Mode = FileMode.Create, Access = FileAccess.ReadWrite, Size = 4096, MaxIncrementSize = 8192 };
            using var stream = MappedFileStream.Open(path, options);
            long a = stream.Resize();                    // emmap resize/1: 8192 (doubles below MaxIncrementSize)
            long b = stream.Resize();                    // 16384
            long c = stream.Resize();                    // 24576 (then adds MaxIncrementSize)
            stream.SetLength(100);                       // any exact length, 0 included

            // README promises:
            (a, b, c).ShouldBe((8192L, 16384L, 24576L));
            stream.Length.ShouldBe(100);
            SizeOnDisk.ShouldBeWhileMapped(path, 100);
            stream.Dispose();
            SizeOnDisk.Of(path).ShouldBe(100);
        }
    }

    [Test]
    public void SharedBetweenHandles_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "q.bin");
            var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 128, AutoUnlink = true };
            using var shell1 = MappedFileStream.Open(path, options);
            using var shell2 = MappedFileStream.Open(path, options);
            shell1.WriteAt(0, "abcdefg\n"u8);
            byte[] line = new byte[8];
            shell2.ReadAt(0, line);                      // "abcdefg\n": shared writes are visible at once,
                                                         // to other processes and to plain file reads too

            // README promises:
            line.ShouldBe("abcdefg\n"u8.ToArray());
            SharedFile.ReadAllBytes(path)[..8].ShouldBe("abcdefg\n"u8.ToArray());
        }
    }

    [Test]
    public void PositionalIoOnAnyStream_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "plain.txt");
            File.WriteAllText(path, "0123456789");

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

    [Test]
    public void FixedSizeRecords_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        static void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "records.bin");
            File.WriteAllBytes(path, new byte[64 * 1000]);

            using var records = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
            records.WriteAt(64 * 999, "last"u8);
            Span<byte> record = stackalloc byte[64];
            records.ReadExactlyAt(64 * 999, record);      // the last record: "last", then zeros
            // records.ReadExactlyAt(64 * 1000, record) throws EndOfStreamException: there is no record 1000

            // README promises:
            record[..4].ToArray().ShouldBe("last"u8.ToArray());
            record[4..].ToArray().ShouldAllBe(b => b == 0);
            byte[] past = new byte[64];
            Should.Throw<EndOfStreamException>(() => records.ReadExactlyAt(64 * 1000, past));
        }
    }
}
