using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Processes sharing one file, from the calls a user makes: every read path that starts at or reaches this process's last
/// known end sees another process's append, a write past that end or a <c>SetLength</c> between it and the real end never
/// loses what the other process wrote, <c>Append</c> reserves the end every process agrees on, and a process killed while it
/// holds the size lock leaves the others the length it last published.
/// </summary>
[TestFixture]
public sealed class SharedFileIssueTests
{
    private const int Start = 4096;

    private TempDirectory _directory = null!;
    private string _path = null!;

    public enum ReadPath
    {
        Read,
        ReadByte,
        ReadAsync,
        CopyTo,
        ReadLine,
        ReadAtAcrossTheEnd,
        ReadAtOwner,
        ReadAtVectored,
        ReadAtAsync,
        ReadExactlyAt,
        PipeReader,
        ReadDirect,
        ReadSequence,
        AtomicRead,
        AtomicAdd,
    }

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("shared.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', Start).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void EveryReadPath_AtThisProcessesEnd_SeesWhatAnotherProcessAppendedSince([Values] ReadPath path)
    {
        using var stream = Open();
        stream.Length.ShouldBe(Start);
        stream.Position = Start;
        using var child = StartSession();

        child.Ask("append appended").ShouldBe("4096");

        byte[] appended = "appended"u8.ToArray();
        switch (path)
        {
            case ReadPath.Read:
                byte[] buffer = new byte[16];
                stream.Read(buffer).ShouldBe(8);
                buffer[..8].ShouldBe(appended);
                stream.Position.ShouldBe(Start + 8);
                break;
            case ReadPath.ReadByte:
                stream.ReadByte().ShouldBe('a');
                stream.ReadByte().ShouldBe('p');
                break;
            case ReadPath.ReadAsync:
                byte[] asyncBuffer = new byte[16];
                stream.ReadAsync(asyncBuffer).AsTask().GetAwaiter().GetResult().ShouldBe(8);
                asyncBuffer[..8].ShouldBe(appended);
                break;
            case ReadPath.CopyTo:
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.ToArray().ShouldBe(appended);
                break;
            case ReadPath.ReadLine:
                stream.ReadLine().ShouldBe(appended);
                stream.ReadLine().ShouldBeNull();
                break;
            case ReadPath.ReadAtAcrossTheEnd:
                byte[] across = new byte[16];
                stream.ReadAt(Start - 4, across).ShouldBe(12, "the read ends past the end this process knew");
                Encoding.ASCII.GetString(across, 0, 12).ShouldBe("aaaaappended");
                break;
            case ReadPath.ReadAtOwner:
                using (IMemoryOwner<byte> owner = stream.ReadAt(Start, 16))
                {
                    owner.Memory.ToArray().ShouldBe(appended);
                }

                break;
            case ReadPath.ReadAtVectored:
                byte[] first = new byte[4];
                byte[] second = new byte[8];
                stream.ReadAt(Start, new Memory<byte>[] { first, second }).ShouldBe(8);
                first.ShouldBe("appe"u8.ToArray());
                second[..4].ShouldBe("nded"u8.ToArray());
                break;
            case ReadPath.ReadAtAsync:
                byte[] positional = new byte[16];
                stream.ReadAtAsync(Start, positional).AsTask().GetAwaiter().GetResult().ShouldBe(8);
                positional[..8].ShouldBe(appended);
                break;
            case ReadPath.ReadExactlyAt:
                byte[] exactly = new byte[8];
                stream.ReadExactlyAt(Start, exactly);
                exactly.ShouldBe(appended);
                break;
            case ReadPath.PipeReader:
                System.IO.Pipelines.PipeReader reader = stream.AsPipeReader(Start);
                var pipe = new MemoryStream();
                reader.CopyToAsync(pipe).GetAwaiter().GetResult();
                reader.Complete();
                pipe.ToArray().ShouldBe(appended);
                break;
            case ReadPath.ReadDirect:
                using (IMemoryOwner<byte> view = stream.ReadDirect(Start, 16))
                {
                    view.Memory.ToArray().ShouldBe(appended);
                }

                break;
            case ReadPath.ReadSequence:
                using (MappedSequenceOwner sequence = stream.ReadSequence(Start - 2, 16))
                {
                    sequence.Length.ShouldBe(10);
                    sequence.Sequence.ToArray().ShouldBe("aaappended"u8.ToArray());
                }

                break;
            case ReadPath.AtomicRead:
                stream.AtomicRead(Start).ShouldBe(BinaryPrimitives.ReadInt64LittleEndian(appended));
                break;
            case ReadPath.AtomicAdd:
                stream.AtomicAdd(Start, 1).ShouldBe(BinaryPrimitives.ReadInt64LittleEndian(appended));
                child.Ask("read 4096 8").ShouldBe("bppended", "the update reached the cell the other process appended");
                break;
        }

        child.ShouldExitWith(0);
    }

    [Test]
    public void ReadLine_ALineThatAnotherProcessFinishedAfterThisOneLastLooked_IsReturnedWhole()
    {
        File.WriteAllBytes(_path, "first\nsec"u8.ToArray());
        using var stream = Open();
        stream.ReadLine().ShouldBe("first\n"u8.ToArray());
        using var child = StartSession();

        child.Ask("append ond").ShouldBe("9");

        // At this call the data is "first\nsecond": the line from here runs to the end of the data, not to the end this
        // process saw before the other's append.
        stream.ReadLine().ShouldBe("second"u8.ToArray());
        stream.Position.ShouldBe(12);
        stream.ReadLine().ShouldBeNull();
        child.ShouldExitWith(0);
    }

    [Test]
    public void WriteAt_PastThisProcessesEndButInsideAnotherProcessesAppend_KeepsEveryByteTheOtherWrote()
    {
        using var stream = Open();
        stream.Length.ShouldBe(Start);
        using var child = StartSession();
        child.Ask("append " + new string('b', 2000)).ShouldBe("4096");

        stream.WriteAt(Start + 1000, "xyz"u8);

        stream.Length.ShouldBe(Start + 2000, "the write ends inside the data: the length stays the other process's end");
        child.Ask("length").ShouldBe("6096");
        child.Ask("read 4096 2000").ShouldBe(new string('b', 1000) + "xyz" + new string('b', 997));
        child.ShouldExitWith(0);
    }

    [Test]
    public void EveryWritePath_PastThisProcessesEndButInsideAnotherProcessesAppend_KeepsTheOtherBytes(
        [Values("WriteAt", "WriteAtVectored", "WriteAtAsync", "Write", "WriteByte", "WriteAsync")] string path)
    {
        using var stream = Open();
        stream.Length.ShouldBe(Start);
        using var child = StartSession();
        child.Ask("append " + new string('b', 2000)).ShouldBe("4096");

        stream.Position = Start + 1000;
        switch (path)
        {
            case "WriteAt":
                stream.WriteAt(Start + 1000, "x"u8);
                break;
            case "WriteAtVectored":
                stream.WriteAt(Start + 1000, new ReadOnlyMemory<byte>[] { "x"u8.ToArray() });
                break;
            case "WriteAtAsync":
                stream.WriteAtAsync(Start + 1000, "x"u8.ToArray()).AsTask().GetAwaiter().GetResult();
                break;
            case "Write":
                stream.Write("x"u8);
                break;
            case "WriteByte":
                stream.WriteByte((byte)'x');
                break;
            case "WriteAsync":
                stream.WriteAsync("x"u8.ToArray()).AsTask().GetAwaiter().GetResult();
                break;
        }

        stream.Length.ShouldBe(Start + 2000);
        child.Ask("length").ShouldBe("6096");
        child.Ask("read 4096 2000").ShouldBe(new string('b', 1000) + "x" + new string('b', 999));
        child.ShouldExitWith(0);
    }

    [Test]
    public void Write_PastThisProcessesEndAndPastAnotherProcessesAppend_KeepsItsBytesAndZerosOnlyTheGap()
    {
        using var stream = Open();
        stream.Length.ShouldBe(Start);
        using var child = StartSession();
        child.Ask("append bbbb").ShouldBe("4096");

        stream.Position = Start + 10;
        stream.Write("xy"u8);

        stream.Length.ShouldBe(Start + 12);
        child.Ask("read 4094 14").ShouldBe("aabbbb......xy");
        child.ShouldExitWith(0);
    }

    [Test]
    public void WriteAndSetLength_PastTheEndThisProcessLastSawAfterAnotherProcessShrank_GrowFromTheNewEndWithZeros(
        [Values] bool bySetLength)
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', 3 * Start).ToArray());
        using var stream = Open();
        stream.Length.ShouldBe(3 * Start);
        stream.Position = 3 * Start;
        using var child = StartSession();
        child.Ask("setlength 100").ShouldBe("ok");

        if (bySetLength)
        {
            stream.SetLength((3 * Start) + 2);
        }
        else
        {
            stream.Write("xy"u8);
        }

        stream.Length.ShouldBe((3 * Start) + 2);
        child.Ask("length").ShouldBe("12290");
        byte[] grown = new byte[(3 * Start) + 2 - 100];
        stream.ReadExactlyAt(100, grown);
        grown[..^2].ShouldAllBe(b => b == 0, "the bytes the other process cut never come back");
        Encoding.ASCII.GetString(grown, grown.Length - 2, 2).ShouldBe(bySetLength ? "\0\0" : "xy");
        child.Ask("read 98 4").ShouldBe("aa..");
        child.ShouldExitWith(0);
    }

    [Test]
    public void WriteAt_InsideTheEndThisProcessLastSawAfterAnotherProcessShrank_GrowsTheFileAsAFileStreamWriteDoes()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', 3 * Start).ToArray());
        using var stream = Open();
        stream.Length.ShouldBe(3 * Start);
        using var child = StartSession();
        child.Ask("setlength 100").ShouldBe("ok");

        // A write inside the length this process last saw costs no look at the shared length before it; after it, the
        // shared shrink counter tells it the other process shrank the file, and it is made again at the length looked up
        // then (docs/lifetime-and-concurrency.md, "Writes inside a stale length"): the file grows to cover it, with zeros
        // in the gap, never the bytes the other process cut.
        stream.WriteAt(5000, "xyz"u8);
        if (OperatingSystem.IsWindows())
        {
            // Windows keeps no shrink counter ("Known limits on Windows"): the write lands past the end the other process
            // set, and its bytes are not data. The length stays the other process's, and a later growth reads zeros there.
            stream.Length.ShouldBe(100);
            child.Ask("length").ShouldBe("100");
            child.Ask("setlength 12288").ShouldBe("ok");
            child.Ask("read 4998 7").ShouldBe(".......");
        }
        else
        {
            stream.Length.ShouldBe(5003);
            child.Ask("length").ShouldBe("5003");
            child.Ask("setlength 12288").ShouldBe("ok");
            child.Ask("read 98 4").ShouldBe("aa..");
            child.Ask("read 4998 7").ShouldBe("..xyz..");
        }

        child.ShouldExitWith(0);
    }

    [Test]
    public void Read_InsideTheEndThisProcessLastSawAfterAnotherProcessShrank_ReturnsTheCutRangeAsZerosUntilItLooksAgain()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', 3 * Start).ToArray());
        using var stream = Open();
        stream.Length.ShouldBe(3 * Start);
        using var child = StartSession();
        child.Ask("setlength 100").ShouldBe("ok");

        // docs/filestream-parity.md, difference 18: a read inside the length this process last saw looks at nothing
        // shared, so it reads the range the other process cut, as the zeros its shrink wrote there (a FileStream would
        // return 100 bytes here). The next look at the shared length finds the end.
        byte[] buffer = new byte[200];
        stream.ReadAt(0, buffer).ShouldBe(200);
        buffer.AsSpan(0, 100).ToArray().ShouldAllBe(b => b == (byte)'a');
        buffer.AsSpan(100).ToArray().ShouldAllBe(b => b == 0);
        stream.Length.ShouldBe(100);
        stream.ReadAt(0, buffer).ShouldBe(100);
        child.ShouldExitWith(0);
    }

    [Test]
    public void SetLength_BetweenThisProcessesEndAndAnotherProcessesEnd_CutsThereAndKeepsTheOtherBytesBelow([Values] bool byResize)
    {
        using var stream = Open();
        stream.Length.ShouldBe(Start);
        using var child = StartSession();
        child.Ask("append " + new string('b', 2000)).ShouldBe("4096");

        if (byResize)
        {
            stream.Resize(Start + 1000).ShouldBe(Start + 1000);
        }
        else
        {
            stream.SetLength(Start + 1000);
        }

        stream.Length.ShouldBe(Start + 1000);
        child.Ask("length").ShouldBe("5096");
        child.Ask("read 4094 1004").ShouldBe("aa" + new string('b', 1000));
        byte[] kept = new byte[1000];
        stream.ReadExactlyAt(Start, kept);
        kept.ShouldAllBe(b => b == 'b', "a SetLength that cuts another process's data keeps what lies below the new end");
        child.ShouldExitWith(0);
    }

    [Test]
    public void SeekEndAndWrite_AfterAnotherProcessesAppend_WritesAtTheEndEveryProcessAgreesOn()
    {
        using var stream = Open();
        stream.Length.ShouldBe(Start);
        using var child = StartSession();
        child.Ask("append bbbb").ShouldBe("4096");

        stream.Seek(0, SeekOrigin.End).ShouldBe(Start + 4);
        stream.Write("cc"u8);

        child.Ask("length").ShouldBe("4102");
        child.Ask("read 4096 6").ShouldBe("bbbbcc");
        child.ShouldExitWith(0);
    }

    [Test]
    public void Append_OnAReadOnlyOrDisposedStream_ThrowsAndChangesNothing()
    {
        using (var reader = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.Read }))
        {
            Should.Throw<NotSupportedException>(() => reader.Append("x"u8));
            reader.Length.ShouldBe(Start);
        }

        var writer = Open();
        writer.Dispose();
        Should.Throw<ObjectDisposedException>(() => writer.Append("x"u8));
        new FileInfo(_path).Length.ShouldBe(Start);
    }

    [Test]
    public void Append_DoesNotMoveThePositionAndReturnsWhereEachRecordWent()
    {
        using var stream = Open();
        stream.Position = 10;
        using var child = StartSession();

        stream.Append("one"u8).ShouldBe(Start);
        child.Ask("append two").ShouldBe("4099");
        stream.Append("three"u8).ShouldBe(Start + 6);

        stream.Position.ShouldBe(10);
        stream.Length.ShouldBe(Start + 11);
        child.Ask("read 4096 11").ShouldBe("onetwothree");
        child.ShouldExitWith(0);
    }

    [TestCase("grow.reserved", "setlength 100000", 4096)]
    [TestCase("extend.copied", "write 8000 hello", 4096)]
    public void Kill_WhileAnotherProcessHoldsTheSizeLock_OthersGoOnFromTheLengthItPublished(string point, string change, long length)
    {
        using var stream = Open();
        using (var child = StartSession())
        {
            child.Ask("crash " + point).ShouldBe("armed");
            child.Send(change);
            child.ShouldBeKilled();
        }

        System.Threading.Tasks.Task<long> append = System.Threading.Tasks.Task.Run(() => stream.Append("end"u8));
        append.Wait(TimeSpan.FromSeconds(20)).ShouldBeTrue("a process killed holding the size lock must not block the others");
        append.Result.ShouldBe(length, "the change the dead process never published did not happen");
        stream.Length.ShouldBe(length + 3);

        stream.SetLength(9000);
        byte[] data = new byte[9000];
        stream.ReadExactlyAt(0, data);
        data[..(int)Math.Min(length, Start)].ShouldAllBe(b => b == 'a');
        Encoding.ASCII.GetString(data, (int)length, 3).ShouldBe("end");
        data[((int)length + 3)..].ShouldAllBe(b => b == 0, "nothing the dead process wrote past the end became data");
    }

    private ChildHost StartSession()
    {
        ChildHost child = ChildHost.Start("stream-session", _path, "shared");
        try
        {
            child.ReadLine().ShouldBe("ready");
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    private MappedFileStream Open() =>
        MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite });
}
