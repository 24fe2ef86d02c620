using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// A write or an atomic update made through a length another process has shrunk since the writer last looked: a write ends
/// as a <c>FileStream</c>'s write there would (the file grows to cover it, the gap reads zeros); a write that cannot grow the
/// file, and an update of a cell now past the end, fail and leave nothing past the end for a view or a stale read to see. Three processes: this one shrinks and holds a view of the cut range, a
/// TestHost child writes, and another reads inside the length it last saw.
/// </summary>
[TestFixture]
[LinuxOnly("the writer finds the shrink through the shared page's counter, which Windows does not keep (docs/lifetime-and-concurrency.md)")]
public sealed class MappedFileStreamStaleLengthWriteTests
{
    private const int FileSize = 16384;
    private const int CutTo = 4096;
    private const int WriteAt = 8192;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("stale.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'x', FileSize).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void WriteAt_InsideALengthAnotherProcessShrankSince_GrowsTheFileAsAFileStreamWriteDoes()
    {
        using MappedFileStream shrinker = OpenReadWrite();
        using IMemoryOwner<byte> view = shrinker.ReadDirect(WriteAt, FileSize - WriteAt);
        using ChildHost writer = SessionThatSawTheWholeFile("shared");
        using ChildHost reader = SessionThatSawTheWholeFile("shared");

        shrinker.SetLength(CutTo);
        writer.Ask($"write {WriteAt} ABCD").ShouldBe("ok");

        shrinker.Length.ShouldBe(WriteAt + 4, "the write extends the file, as the same write through a FileStream does");
        Text(view.Memory.Span[..4]).ShouldBe("ABCD", "the bytes a view of the range shows are data now");
        reader.Ask($"read {WriteAt} 4").ShouldBe("ABCD");
        reader.Ask("length").ShouldBe($"{WriteAt + 4}");
        CloseAll(writer, reader);
        shrinker.Dispose();

        File.ReadAllBytes(_path).ShouldBe(ExpectedFromFileStreams(write: true));
    }

    [Test]
    public void WriteAt_StoredJustBeforeAnotherProcessShrinks_IsMadeAgainAtTheLengthLookedUpAfter()
    {
        using MappedFileStream shrinker = OpenReadWrite();
        using ChildHost writer = SessionThatSawTheWholeFile("shared");
        writer.Ask("pause write.copied").ShouldBe("armed");
        writer.Ask($"write {WriteAt} ABCD").ShouldBe("paused", "the bytes are stored and not yet checked");

        // The shrink zeroes the cut range, the stored bytes with it; the write then finds the shrink and writes again.
        shrinker.SetLength(CutTo);
        writer.Ask("go").ShouldBe("ok");

        shrinker.Length.ShouldBe(WriteAt + 4);
        var bytes = new byte[WriteAt + 4 - CutTo];
        shrinker.ReadExactlyAt(CutTo, bytes);
        bytes.AsSpan(0, WriteAt - CutTo).ToArray().ShouldAllBe(b => b == 0, "the gap the write made reads zeros");
        Text(bytes.AsSpan(WriteAt - CutTo)).ShouldBe("ABCD");
        CloseAll(writer);
        shrinker.Dispose();

        File.ReadAllBytes(_path).ShouldBe(ExpectedFromFileStreams(write: true));
    }

    [Test]
    public void WriteAt_InsideAShrunkLengthByAStreamThatCannotGrow_FailsAndLeavesNothingPastTheEnd() =>
        RefusedAfterAShrink("fixed", $"write {WriteAt} ABCD", "error IOException", "the write would grow a stream of fixed size");

    [Test]
    public void AtomicAdd_OnACellAnotherProcessCutSince_IsRefusedAndLeavesNothingPastTheEnd() =>
        RefusedAfterAShrink("shared", $"add {WriteAt} 5", "error ArgumentOutOfRangeException", "the cell is past the end, as for a cut made in the same process");

    [Test]
    public void AtomicAdd_OnACellAnotherProcessCutAcross_IsRefusedAndChangesNoByteInsideTheEnd()
    {
        using MappedFileStream stream = OpenReadWrite();
        stream.Length.ShouldBe(FileSize);
        using (ChildHost shrinker = SessionThatSawTheWholeFile("shared"))
        {
            shrinker.Ask($"setlength {WriteAt + 4}").ShouldBe("ok");

            Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicAdd(WriteAt, 0x0101_0101_0101_0101));

            shrinker.Ask($"read {WriteAt} 4").ShouldBe("xxxx", "the half of the cell inside the end is as it was");
            CloseAll(shrinker);
        }

        var inside = new byte[4];
        stream.ReadExactlyAt(WriteAt, inside);
        Text(inside).ShouldBe("xxxx");
    }

    [TestCase("write", TestName = "WriteAt_DisposedWhileItFindsAShrinkByAnotherProcess_LeavesNothingPastTheEnd")]
    [TestCase("add", TestName = "AtomicAdd_DisposedWhileItFindsAShrinkByAnotherProcess_IsRefusedAndLeavesNothingPastTheEnd")]
    public void Call_DisposedWhileItFindsAShrinkByAnotherProcess_LeavesNothingPastTheEnd(string call)
    {
        using MappedFileStream keeper = OpenReadWrite();
        MappedFileStream stream = OpenReadWrite();
        stream.Length.ShouldBe(FileSize);
        using ChildHost shrinker = SessionThatSawTheWholeFile("shared");
        shrinker.Ask($"view {WriteAt} 8").ShouldBe("ok");
        shrinker.Ask($"setlength {CutTo}").ShouldBe("ok");

        // The stream is disposed after the call stored its bytes and before it checks them; another handle keeps the file
        // open. The write returns (it counts as made before the shrink, which took it); the addition is refused.
        string point = call == "write" ? CrashPoints.WriteCopied : CrashPoints.AtomicApplied;
        Queue.QueueCrashPointSwitch.RunOnceAt(point, () => Task.Run(stream.Dispose).Wait());
        if (call == "write")
        {
            stream.WriteAt(WriteAt, "ABCDEFGH"u8);
        }
        else
        {
            Should.Throw<ObjectDisposedException>(() => stream.AtomicAdd(WriteAt, 0x4141_4141_4141_4141));
        }

        keeper.Length.ShouldBe(CutTo);
        shrinker.Ask("show").ShouldBe("........", "what the call stored past the end is gone");
        CloseAll(shrinker);
    }

    [Test]
    public void WriteAt_InsideStaleLengthsWhileAnotherProcessShrinksAndGrowsTheFile_LeavesNothingPastTheEnd()
    {
        const int Big = 65536;
        File.WriteAllBytes(_path, new byte[Big]);
        using MappedFileStream shrinker = OpenReadWrite();
        using var writer = ChildHost.Start("stream-stale-writer", _path);
        writer.ReadLine().ShouldBe("ready");

        // The writer looks at the length every 65,536 writes only, so most shrinks find it with a length from before, and
        // it goes on writing inside that length for milliseconds after the shrink has zeroed the cut range.
        for (int round = 0; round < 400; round++)
        {
            shrinker.SetLength(CutTo);
            Thread.SpinWait(2000);
            shrinker.SetLength(Big);
        }

        // Last, a shrink that surely finds the writer with the whole length: it has looked again since the growth.
        Thread.Sleep(20);
        shrinker.SetLength(CutTo);
        Thread.Sleep(20);
        string stopped = writer.Ask("stop");
        stopped.ShouldStartWith("stopped ");
        long.Parse(stopped["stopped ".Length..], CultureInfo.InvariantCulture).ShouldBeGreaterThan(400);

        // Every write either was made at the length it found (and is data), or came before a shrink that zeroed it: what
        // lies past the end on disk (the truncation waits for the writer to close) is zeros only.
        long length = shrinker.Length;
        using (SafeFileHandle raw = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var tail = new byte[RandomAccess.GetLength(raw) - length];
            RandomAccess.Read(raw, tail, length).ShouldBe(tail.Length);
            Array.FindIndex(tail, b => b != 0).ShouldBe(-1, $"a byte past the end ({length}) is not zero");
        }

        writer.Send("close");
        writer.ShouldExitWith(0);
    }

    private MappedFileStream OpenReadWrite() =>
        MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite });

    // This process holds a view of the cut range and shrinks the file; a writer session opened as `writerSharing`, which saw
    // the whole length, runs `command` and must answer `error`; then nothing past the end shows what it stored, to the view or
    // to a read inside the length a third process last saw, and the file ends as the same steps through FileStreams leave it.
    private void RefusedAfterAShrink(string writerSharing, string command, string error, string why)
    {
        using (MappedFileStream shrinker = OpenReadWrite())
        using (IMemoryOwner<byte> view = shrinker.ReadDirect(WriteAt, FileSize - WriteAt))
        using (ChildHost writer = SessionThatSawTheWholeFile(writerSharing))
        using (ChildHost reader = SessionThatSawTheWholeFile("shared"))
        {
            shrinker.SetLength(CutTo);
            writer.Ask(command).ShouldBe(error, why);

            shrinker.Length.ShouldBe(CutTo);
            view.Memory.Span.ToArray().ShouldAllBe(b => b == 0, "what the refused call stored is gone from past the end");
            reader.Ask($"read {WriteAt} 8").ShouldBe("........", "a read inside the length it last saw finds no bytes that were never data");
            CloseAll(writer, reader);
        }

        File.ReadAllBytes(_path).ShouldBe(ExpectedFromFileStreams(write: false));
    }

    // A TestHost session on the file that has looked at its whole length, so its copy of the length is the one before the shrink.
    private ChildHost SessionThatSawTheWholeFile(string sharing)
    {
        var child = ChildHost.Start("stream-session", _path, sharing);
        child.ReadLine().ShouldBe("ready");
        child.Ask($"read {FileSize - 4} 4").ShouldBe("xxxx");
        return child;
    }

    private static void CloseAll(params ChildHost[] children)
    {
        foreach (ChildHost child in children)
        {
            child.Ask("close").ShouldBe("closed");
            child.ShouldExitWith(0);
        }
    }

    // The same steps through FileStreams, which look up the length at every call.
    private byte[] ExpectedFromFileStreams(bool write)
    {
        string path = _directory.File($"filestream-{write}.bin");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)'x', FileSize).ToArray());
        using (var shrinker = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        using (var writer = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            shrinker.SetLength(CutTo);
            if (write)
            {
                writer.Position = WriteAt;
                writer.Write("ABCD"u8);
            }
        }

        return File.ReadAllBytes(path);
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
