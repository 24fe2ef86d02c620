using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Several OS processes (Emmap.Streams.TestHost children) using one file: they agree on its length as FileStreams do,
/// append without overwriting each other, never truncate what another wrote or still maps, and a process killed while it
/// holds the file's size lock never blocks the others.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamSharedLengthTests
{
    private const int RecordSize = 40;

    // A hang detector, not a speed bar: recovering from a dead lock holder takes microseconds.
    private static readonly TimeSpan s_bounded = TimeSpan.FromSeconds(20);

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("shared.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Append_FromThreeProcessesAtOnce_KeepsEveryRecordOnceAndInEachWritersOrder()
    {
        const int Count = 1500;
        File.WriteAllBytes(_path, new byte[RecordSize]);
        var writers = new List<ChildHost>();
        try
        {
            for (int id = 1; id <= 3; id++)
            {
                writers.Add(ChildHost.Start("stream-append", _path, Text(id), Text(Count), Text(RecordSize)));
            }

            foreach (ChildHost writer in writers)
            {
                writer.ReadLine().ShouldBe("ready");
            }

            foreach (ChildHost writer in writers)
            {
                writer.Send("go");
            }

            foreach (ChildHost writer in writers)
            {
                writer.ReadLine().ShouldBe("done");
                writer.ShouldExitWith(0);
            }
        }
        finally
        {
            writers.ForEach(writer => writer.Dispose());
        }

        byte[] file = SharedFile.ReadAllBytes(_path);
        file.Length.ShouldBe((1 + (3 * Count)) * RecordSize, "the last process to close leaves exactly the data on disk");
        var next = new Dictionary<int, int> { [0] = 0, [1] = 0, [2] = 0, [3] = 0 };
        for (int at = 0; at < file.Length; at += RecordSize)
        {
            (int id, int sequence) = ReadRecord(file.AsSpan(at, RecordSize));
            sequence.ShouldBe(next[id], $"writer {id}'s records are whole, in order and not overwritten (offset {at})");
            next[id]++;
        }

        next[0].ShouldBe(1);
        next.Where(pair => pair.Key != 0).ShouldAllBe(pair => pair.Value == Count);
    }

    [Test]
    public void Append_WriterKilledWhileHoldingTheSizeLock_OthersGoOnAndItsUnpublishedBytesAreNotData()
    {
        File.WriteAllBytes(_path, Record(0, 0));
        using var mine = Open();
        using (var doomed = ChildHost.Start("stream-append", _path, "7", "10", Text(RecordSize), "--crash", "extend.copied", "1"))
        {
            doomed.ReadLine().ShouldBe("ready");
            doomed.Send("go");
            doomed.ShouldBeKilled();
        }

        // The kernel released the dead writer's lock: this append neither blocks nor lands after bytes it never published.
        Task<long> append = Task.Run(() => mine.Append(Record(1, 0)));
        append.Wait(s_bounded).ShouldBeTrue("a dead lock holder must not block the others");
        append.Result.ShouldBe(RecordSize);
        mine.Length.ShouldBe(2 * RecordSize);
        mine.Dispose();
        SharedFile.ReadAllBytes(_path).ShouldBe([.. Record(0, 0), .. Record(1, 0)]);
    }

    [Test]
    [LinuxOnly("holds the size lock through an open file description lock of its own")]
    public void Append_ByAProcessAloneOnTheFile_DoesNotTakeTheSizeLock()
    {
        File.WriteAllBytes(_path, Record(0, 0));
        using var stream = Open();
        stream.Append(Record(1, 0)).ShouldBe(RecordSize);

        // Held by another open file description: a size change that took the lock would wait for it.
        using (new HeldSizeLock(_path))
        {
            Task<long> append = Task.Run(() => stream.Append(Record(1, 1)));
            append.Wait(s_bounded).ShouldBeTrue("a process alone on the file appends without the size lock");
            append.Result.ShouldBe(2 * RecordSize);
        }
    }

    [Test]
    [LinuxOnly("holds the size lock through an open file description lock of its own, and tells the append waits from /proc/locks")]
    public void Append_AfterAnotherProcessOpenedTheFile_TakesTheSizeLock()
    {
        File.WriteAllBytes(_path, Record(0, 0));
        using var stream = Open();
        stream.Append(Record(1, 0)).ShouldBe(RecordSize);
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        Task<long> append;
        using (new HeldSizeLock(_path))
        {
            append = Task.Run(() => stream.Append(Record(1, 1)));
            SpinWait.SpinUntil(() => FileLocks.WaiterExists(_path), s_bounded).ShouldBeTrue("the other process's open took solo mode away");
            append.IsCompleted.ShouldBeFalse();
        }

        append.Wait(s_bounded).ShouldBeTrue();
        append.Result.ShouldBe(2 * RecordSize);
        child.Ask("length").ShouldBe(Text(3 * RecordSize));
        child.ShouldExitWith(0);
    }

    [Test]
    public void Open_WhileAnotherProcessGrowsTheFile_MapsEveryByteOfTheLengthItTakes()
    {
        // A read-only first open in this process racing another process's append: the open reads the shared length, the
        // other process grows the file, then the open maps the file. Its mapping must reach the length it took, or reading
        // the appended bytes would touch unmapped address space (a crash, not an exception).
        File.WriteAllBytes(_path, new byte[4096]);
        string appended = new('g', 5 * 4096);
        using var grower = ChildHost.Start("stream-session", _path);
        grower.ReadLine().ShouldBe("ready");
        bool grown = false;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.AttachLengthRead && !grown)
            {
                grown = true;
                grower.Send($"append {appended}");
                grower.ReadLine().ShouldBe("4096");
            }
        };
        MappedFileStream reader;
        try
        {
            reader = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.Read });
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        using (reader)
        {
            grown.ShouldBeTrue("the other process grew the file in the middle of the open");
            MappingState state = reader.View.State;
            ((long)state.Region.Accessible).ShouldBeGreaterThanOrEqualTo(
                Volatile.Read(ref state.Length), "the pages mapped cover the length the open took");
            reader.Length.ShouldBe(4096 + appended.Length);
            byte[] tail = new byte[appended.Length];
            reader.ReadAt(4096, tail).ShouldBe(appended.Length);
            Encoding.ASCII.GetString(tail).ShouldBe(appended);
        }
    }

    [TestCase(FileAccess.Read)]
    [TestCase(FileAccess.ReadWrite)]
    public void Open_WhileAnotherProcessShrinksTheFile_NeverGrowsItBack(FileAccess access)
    {
        // The open looks at the length, then another process shrinks the file while the open maps it. An open that asks
        // for no size must leave the length the other process set; a read-only one may not change it at all.
        File.WriteAllBytes(_path, new byte[3 * 4096]);
        using var shrinker = ChildHost.Start("stream-session", _path);
        shrinker.ReadLine().ShouldBe("ready");
        bool shrunk = false;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.AttachLengthRead && !shrunk)
            {
                shrunk = true;
                shrinker.Send("setlength 4096");
                shrinker.ReadLine().ShouldBe("ok");
            }
        };
        MappedFileStream stream;
        try
        {
            stream = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = access });
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        using (stream)
        {
            shrunk.ShouldBeTrue("the other process shrank the file in the middle of the open");
            stream.Length.ShouldBe(4096);
            shrinker.Ask("length").ShouldBe("4096");
        }
    }

    [Test]
    public void Open_WhileTheOnlyOtherProcessIsKilledInTheMiddleOfAnAppend_CompletesAndSeesOnlyPublishedData()
    {
        File.WriteAllBytes(_path, Record(0, 0));
        using var writer = ChildHost.Start("stream-append", _path, "5", "3", Text(RecordSize), "--pause", "extend.copied", "3");
        writer.ReadLine().ShouldBe("ready");
        writer.Send("go");

        // Alone, the writer appends without the lock; it is now paused halfway through its third append.
        writer.ReadLine().ShouldBe("paused");
        Task<MappedFileStream> open = Task.Run(Open);
        open.Wait(TimeSpan.FromMilliseconds(300)).ShouldBeFalse("the open waits for the append in progress");
        writer.Kill();
        open.Wait(s_bounded).ShouldBeTrue("a dead writer must not block the others");

        using MappedFileStream stream = open.Result;
        stream.Length.ShouldBe(3 * RecordSize);
        byte[] data = new byte[3 * RecordSize];
        stream.ReadAt(0, data).ShouldBe(data.Length);
        ReadRecord(data.AsSpan(2 * RecordSize)).ShouldBe((5, 1));
        stream.Append(Record(6, 0)).ShouldBe(3 * RecordSize);
    }

    [Test]
    [LinuxOnly("the length a killed last process set survives in the page file; Windows keeps it in named memory, which goes with the last process, and truncates only at a close")]
    public void Trim_ProcessKilledWhileTruncating_TheNextOpenerSeesTheNewLengthAndFinishesTheTrim()
    {
        File.WriteAllBytes(_path, new byte[10_000]);
        using (var child = ChildHost.Start("stream-session", _path, "shared"))
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("crash trim.locked").ShouldBe("armed");
            child.Send("setlength 100");
            child.ShouldBeKilled();
        }

        Task<MappedFileStream> open = Task.Run(Open);
        open.Wait(s_bounded).ShouldBeTrue();
        using (MappedFileStream stream = open.Result)
        {
            stream.Length.ShouldBe(100);
            stream.ReadAt(100, new byte[8]).ShouldBe(0);
        }

        new FileInfo(_path).Length.ShouldBe(100);
    }

    [Test]
    [LinuxOnly("a solo process truncates with no lock held, and the joiner waits for it; Windows truncates only at the last close")]
    public void Append_AfterASoloProcessWasKilledBetweenTruncatingAndRecordingIt_GrowsTheFileInsteadOfFaulting()
    {
        File.WriteAllBytes(_path, new byte[10_000]);
        using var shrinker = ChildHost.Start("stream-session", _path, "shared");
        shrinker.ReadLine().ShouldBe("ready");
        shrinker.Ask("pause trim.truncated").ShouldBe("armed");
        shrinker.Ask("setlength 100").ShouldBe("paused");

        // The shrinker is alone, so it truncates without the size lock, inside its solo window: the file has 100 bytes on disk
        // and the page still records 10,000. This process joins while it is there (so it does not reconcile the page as the
        // only one present) and waits for the window to close; the shrinker is killed in it.
        using var joined = new ManualResetEventSlim();
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.EntryJoining)
            {
                joined.Set();
            }
        };
        Task<MappedFileStream> open;
        try
        {
            open = Task.Run(Open);
            joined.Wait(s_bounded).ShouldBeTrue();
            Thread.Sleep(200);
            open.IsCompleted.ShouldBeFalse("the open waits for the solo process's size change");
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        shrinker.Kill();
        open.Wait(s_bounded).ShouldBeTrue();
        using MappedFileStream stream = open.Result;

        // Another process appends across pages the file no longer has: the growth must reserve them, not trust the page.
        using var appender = ChildHost.Start("stream-session", _path, "shared");
        appender.ReadLine().ShouldBe("ready");
        appender.Ask("append " + new string('x', 8000)).ShouldBe("100");
        appender.Ask("close").ShouldBe("closed");
        appender.ShouldExitWith(0);
        stream.Length.ShouldBe(8100);
        byte[] tail = new byte[8];
        stream.ReadAt(8092, tail).ShouldBe(8);
        tail.ShouldAllBe(b => b == (byte)'x');
    }

    [Test]
    public void Length_GrowthAndShrinksByAnotherProcess_AreSeenAtTheNextCall()
    {
        File.WriteAllBytes(_path, new byte[4096]);
        using var stream = Open();
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        stream.Write(new byte[4096]);
        stream.Append("tail"u8).ShouldBe(4096);
        child.Ask("length").ShouldBe("4100");

        child.Ask("setlength 1000").ShouldBe("ok");
        stream.Length.ShouldBe(1000);
        stream.ReadAt(2000, new byte[8]).ShouldBe(0);
        stream.Seek(0, SeekOrigin.End).ShouldBe(1000);

        child.Ask("append abc").ShouldBe("1000");
        byte[] appended = new byte[3];
        stream.ReadAt(1000, appended).ShouldBe(3, "a read at the cached end picks up another process's append");
        Encoding.ASCII.GetString(appended).ShouldBe("abc");
        stream.Length.ShouldBe(1003);
        child.ShouldExitWith(0);
    }

    [Test]
    public void Seek_FromTheEndAfterAnotherProcessShrankOrGrewTheFile_CountsFromTheEndItLeft()
    {
        File.WriteAllBytes(_path, new byte[4096]);
        using var stream = Open();
        stream.Length.ShouldBe(4096);
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");

        child.Ask("setlength 1000").ShouldBe("ok");
        stream.Seek(0, SeekOrigin.End).ShouldBe(1000, "the seek is the first call after the other process's shrink");

        child.Ask("append abc").ShouldBe("1000");
        stream.Seek(-1, SeekOrigin.End).ShouldBe(1002, "the seek is the first call after the other process's append");
        child.ShouldExitWith(0);
    }

    [Test]
    public void Append_AfterAnotherProcessShrankTheFile_WritesAtTheNewEndWithNoGap()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'a', 8192).ToArray());
        using var stream = Open();
        stream.Length.ShouldBe(8192);
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");
        child.Ask("setlength 100").ShouldBe("ok");

        // The append takes the end as every process agrees on it under the size lock, not the end this handle last saw.
        stream.Append("tail"u8).ShouldBe(100);
        stream.Length.ShouldBe(104);
        child.Ask("length").ShouldBe("104");
        child.Ask("read 96 8").ShouldBe("aaaatail");
        child.ShouldExitWith(0);
    }

    [Test]
    [LinuxOnly("tells the open waits for the size lock from /proc/locks")]
    public void Open_WithASizeForAnEmptyFileWhileAnotherProcessAppends_NeverCutsWhatTheOtherWrote()
    {
        File.WriteAllBytes(_path, []);
        using var first = Open();

        // The open finds the file empty and waits for the size lock to give it its initial size.
        using ChildHost child = StartAnAppendThatHoldsTheSizeLock(out string appended);
        Task<MappedFileStream> open = Task.Run(() => MappedFileStream.Open(
            _path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Size = 4096 }));
        SpinWait.SpinUntil(() => FileLocks.WaiterExists(_path), s_bounded).ShouldBeTrue("the open waits for the size lock");

        // The append completes: the file is no longer empty when the open gets the lock.
        child.Ask("go").ShouldBe("0");
        open.Wait(s_bounded).ShouldBeTrue();
        using MappedFileStream second = open.Result;
        second.Length.ShouldBe(appended.Length, "an initial size is for an empty file; it never cuts data");
        child.Ask("length").ShouldBe(Text(appended.Length));
        child.Ask("read 5990 10").ShouldBe(new string('c', 10));
        child.ShouldExitWith(0);
    }

    [Test]
    [LinuxOnly("tells the resize waits for the size lock from /proc/locks")]
    public void Resize_AutomaticGrowthWhileAnotherProcessAppends_NeverCutsWhatTheOtherWrote()
    {
        File.WriteAllBytes(_path, new byte[100]);
        using var stream = Open();

        // The automatic growth takes the length it grows from (100) and waits for the size lock.
        using ChildHost child = StartAnAppendThatHoldsTheSizeLock(out string appended);
        Task<long> resize = Task.Run(() => stream.Resize());
        SpinWait.SpinUntil(() => FileLocks.WaiterExists(_path), s_bounded).ShouldBeTrue("the resize waits for the size lock");

        child.Ask("go").ShouldBe("100");
        resize.Wait(s_bounded).ShouldBeTrue();
        resize.Result.ShouldBe(100 + appended.Length, "automatic growth never shrinks the file");
        child.Ask("length").ShouldBe(Text(100 + appended.Length));
        child.Ask("read 6090 10").ShouldBe(new string('c', 10));
        child.ShouldExitWith(0);
    }

    [Test]
    public void Close_OneProcessClosesWhileAnotherKeepsAppending_NothingTheOtherWroteIsTrimmed()
    {
        // The case: A appends (5,376 bytes, capacity 8,192); B opens and appends up to 9,472; A closes; B appends again.
        using (var a = Open())
        {
            a.Write(Enumerable.Repeat((byte)'a', 5376).ToArray());
            a.Capacity.ShouldBeGreaterThan(a.Length);
            using var b = ChildHost.Start("stream-session", _path, "shared");
            b.ReadLine().ShouldBe("ready");
            b.Ask("length").ShouldBe("5376");
            b.Ask("append " + new string('b', 9472 - 5376)).ShouldBe("5376");
            a.Length.ShouldBe(9472);
            a.Dispose();

            b.Ask("append end").ShouldBe("9472");
            b.Ask("length").ShouldBe("9475");
            b.Ask("read 9472 3").ShouldBe("end");
            b.ShouldExitWith(0);
        }

        byte[] file = SharedFile.ReadAllBytes(_path);
        file.Length.ShouldBe(9475);
        file[..5376].ShouldAllBe(x => x == 'a');
        file[5376..9472].ShouldAllBe(x => x == 'b');
    }

    [Test]
    public void Shrink_WhileAnotherProcessMapsTheCutRange_WaitsForItToCloseAndNeverFaultsIt()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)0x5A, 3 * 4096).ToArray());
        using var stream = Open();
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");
        child.Ask("view 8192 4096").ShouldBe("ok");

        stream.SetLength(100);

        stream.Length.ShouldBe(100);
        new FileInfo(_path).Length.ShouldBe(3 * 4096, "another process still maps the cut range");

        // The other process touches its view and reads below its stale length: no fault. Then it sees the new length.
        child.Ask("show").Length.ShouldBe(4096);
        child.Ask("length").ShouldBe("100");
        child.Ask("read 8192 10").ShouldBe(string.Empty);

        // Growing back reads zeros, never the cut bytes, in both processes.
        stream.SetLength(3 * 4096);
        byte[] regrown = new byte[3 * 4096 - 100];
        stream.ReadAt(100, regrown).ShouldBe(regrown.Length);
        regrown.ShouldAllBe(x => x == 0);
        child.Ask("read 8192 4").ShouldBe("....");
        stream.SetLength(100);

        child.Ask("close").ShouldBe("closed");
        child.ShouldExitWith(0);
        stream.Dispose();
        new FileInfo(_path).Length.ShouldBe(100, "the last process to close truncates");
    }

    [Test]
    public void Flush_WhileAnotherProcessHasTheFileOpen_KeepsItsCapacityUntilTheLastClose()
    {
        using var stream = Open();
        stream.Write(new byte[5000]);
        stream.Flush();
        SizeOnDisk.ShouldBeWhileMapped(_path, 5000, "alone, a flush gives the capacity back");

        stream.Write(new byte[5000]);
        using (var child = ChildHost.Start("stream-session", _path, "readonly"))
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("length").ShouldBe("10000");
            child.ShouldExitWith(0);
        }

        stream.Flush();
        SizeOnDisk.ShouldBeWhileMapped(_path, 10_000);
        stream.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(10_000);
    }

    [Test]
    public void ReadOnlyProcessOpenedFirst_AWriterArrivesLater_BothAgreeOnTheLengthAndTheWriterNeverTruncatesUnderIt()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'r', 8192).ToArray());
        using var reader = ChildHost.Start("stream-session", _path, "readonly");
        reader.ReadLine().ShouldBe("ready");
        reader.Ask("view 4096 4096").ShouldBe("ok");

        using (var writer = Open())
        {
            writer.Append("more"u8).ShouldBe(8192);
            reader.Ask("length").ShouldBe("8196");
            reader.Ask("read 8192 4").ShouldBe("more");

            writer.SetLength(10);
            reader.Ask("show").Length.ShouldBe(4096, "the reader's view of the cut range stays mapped");
            reader.Ask("length").ShouldBe("10");
        }

        new FileInfo(_path).Length.ShouldBeGreaterThanOrEqualTo(8196, "the writer closed first: the reader still maps the file");
        reader.Ask("close").ShouldBe("closed");
        reader.ShouldExitWith(0);
        using (var last = Open())
        {
            last.Length.ShouldBe(10);
        }

        new FileInfo(_path).Length.ShouldBe(10, "the next process to close alone finishes the truncation");
    }

    [Test]
    public void ReadOnlyProcessClosesLast_AfterAWriterLeftCapacity_TrimsTheFileToItsLengthAsTheWritersCloseWould()
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'r', 100).ToArray());
        byte[] written = Enumerable.Range(0, 5000).Select(i => (byte)(i % 251)).ToArray();
        using var reader = ChildHost.Start("stream-session", _path, "readonly");
        reader.ReadLine().ShouldBe("ready");

        using (var writer = Open())
        {
            writer.Seek(0, SeekOrigin.End);
            writer.Write(written);
        }

        new FileInfo(_path).Length.ShouldBeGreaterThan(5100, "the writer closed first: the reader still maps the file, so its capacity stays");
        reader.Ask("length").ShouldBe("5100");
        reader.Ask("close").ShouldBe("closed");
        reader.ShouldExitWith(0);

        new FileInfo(_path).Length.ShouldBe(5100, "the last process to close trims the file, even one that only read it");
        File.ReadAllBytes(_path).ShouldBe([.. Enumerable.Repeat((byte)'r', 100), .. written], "a plain reader sees no zeros past the data");
    }

    [Test]
    [LinuxOnly("checks the page files in /dev/shm")]
    public void ReadOnlyStreamClosesLast_WithoutALookAfterAWriterLeftCapacity_TrimsTheFileAndDeletesThePage([Values] bool mapped)
    {
        var reader = ReaderThatOutlivesAWriter(mapped, "append 12345", "100");

        new FileInfo(_path).Length.ShouldBeGreaterThan(105, "the writer closed first: the reader is present, so its capacity stays");
        reader.Dispose();

        new FileInfo(_path).Length.ShouldBe(105, "the last process to close trims the file, even a reader that never looked again");
        PagesOf(_path).ShouldBeEmpty("the last process to close deletes the page");
    }

    [Test]
    [LinuxOnly("checks the page files in /dev/shm")]
    public void ReadOnlyStreamClosesLast_AfterAWriterEmptiedTheFile_ClosesQuietlyAndDeletesThePage([Values] bool mapped)
    {
        var reader = ReaderThatOutlivesAWriter(mapped, "setlength 0", reply: null);

        Should.NotThrow(reader.Dispose);

        new FileInfo(_path).Length.ShouldBe(0);
        PagesOf(_path).ShouldBeEmpty("the last process to close deletes the page");
    }

    /// <summary>
    /// Opens a read-only stream over 100 bytes (mapping it first if <paramref name="mapped"/>), then lets a writer in another
    /// process run <paramref name="command"/> (answering <paramref name="reply"/>, or anything if null) and close first.
    /// </summary>
    private MappedFileStream ReaderThatOutlivesAWriter(bool mapped, string command, string? reply)
    {
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)'r', 100).ToArray());
        var reader = MappedFileStream.Open(_path);
        if (mapped)
        {
            // Capacity needs the mapping: a stream that would read through its own descriptor first maps the file now.
            reader.Capacity.ShouldBe(100);
        }

        using var writer = ChildHost.Start("stream-session", _path, "shared");
        writer.ReadLine().ShouldBe("ready");
        string answer = writer.Ask(command);
        if (reply is null)
        {
            answer.ShouldNotBeNull();
        }
        else
        {
            answer.ShouldBe(reply);
        }

        writer.Ask("close").ShouldBe("closed");
        writer.ShouldExitWith(0);
        return reader;
    }

    [TestCase(false, 8192)]
    [TestCase(true, 4097)]
    [LinuxOnly("deletes the file's page in /dev/shm, as a machine crash loses it")]
    public void Open_AfterTheWriterWasKilledAndThePageLost_TakesTheSizeOnDiskAsTheLength(bool flushedFirst, long expected)
    {
        File.WriteAllBytes(_path, new byte[4096]);
        using (var child = ChildHost.Start("stream-session", _path, "shared"))
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("append x").ShouldBe("4096");
            if (flushedFirst)
            {
                child.Ask("flush").ShouldBe("ok");
            }

            child.Kill();
        }

        foreach (string page in PagesOf(_path))
        {
            File.Delete(page);
        }

        // Without the page, the growth capacity a writer had not given back reads as zeros at the end of the data.
        using var stream = Open();
        stream.Length.ShouldBe(expected);
    }

    [Test]
    [LinuxOnly("checks the page files in /dev/shm; Windows keeps the shared words in named memory, which goes with its last process")]
    public void SharedPage_ProcessesKilledThenTheFileDeleted_IsCollectedAndAPageInUseIsNot()
    {
        File.WriteAllBytes(_path, new byte[4096]);
        using (var child = ChildHost.Start("stream-session", _path, "shared"))
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("append x").ShouldBe("4096");
            child.Kill();
        }

        string[] pages = PagesOf(_path);
        pages.Length.ShouldBe(1, "a killed process leaves its page for the next opener");

        string other = _directory.File("in-use.bin");
        File.WriteAllBytes(other, new byte[4096]);
        using var inUse = MappedFileStream.Open(other, new MapOptions { Access = FileAccess.ReadWrite });
        string[] inUsePages = PagesOf(other);
        File.Delete(_path);
        File.Delete(other);

        Emmap.Streams.Mapping.SharedFileState.CollectOrphans();

        File.Exists(pages[0]).ShouldBeFalse("nobody maps it and its file is gone");
        inUsePages.ShouldAllBe(page => File.Exists(page), "a page that a process maps stays, even if its file was deleted");
    }

    [Test]
    [LinuxOnly("checks the page files in /dev/shm; Windows keeps the shared words in named memory, which goes with its last process")]
    public void SharedPage_ProcessesKilledThenTheFileRenamed_IsKeptAndTheCapacityIsNoData()
    {
        File.WriteAllBytes(_path, new byte[4096]);
        using (var child = ChildHost.Start("stream-session", _path, "shared"))
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("append x").ShouldBe("4096");
            child.Kill();
        }

        new FileInfo(_path).Length.ShouldBeGreaterThan(4097, "the killed writer left its growth's capacity in the file");
        string[] pages = PagesOf(_path);
        string rotated = _directory.File("rotated.bin");
        File.Move(_path, rotated);
        File.WriteAllBytes(_path, new byte[10]);

        Emmap.Streams.Mapping.SharedFileState.CollectOrphans();

        pages.ShouldAllBe(page => File.Exists(page), "the file lives on under another name");
        using var reopened = MappedFileStream.Open(rotated, new MapOptions { Access = FileAccess.Read });
        reopened.Length.ShouldBe(4097, "the page still says where the data ends");
    }

    [Test]
    [LinuxOnly("a killed process leaves its page in /dev/shm; Windows keeps the shared words in named memory, which goes with its last process")]
    public void Open_AfterTheWriterWasKilledAndAnotherProgramRewroteTheFileAtTheSameSize_ReadsAndKeepsTheNewBytes([Values] bool readOnly)
    {
        File.WriteAllBytes(_path, new byte[4096]);
        using (var child = ChildHost.Start("stream-session", _path, "shared"))
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("append x").ShouldBe("4096");
            child.Kill();
        }

        long size = new FileInfo(_path).Length;
        size.ShouldBeGreaterThan(4097, "the killed writer left its growth's capacity in the file");
        PagesOf(_path).Length.ShouldBe(1, "the killed writer left its page, which says the data ends at 4097");

        // The same file (same inode, same birth) at the same size: only its bytes show that the page no longer describes it.
        byte[] rewritten = new byte[size];
        rewritten.AsSpan().Fill(0x77);
        File.WriteAllBytes(_path, rewritten);

        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = readOnly ? FileAccess.Read : FileAccess.ReadWrite }))
        {
            stream.Length.ShouldBe(size);
            byte[] read = new byte[size];
            stream.ReadExactly(read);
            read.ShouldBe(rewritten);
        }

        File.ReadAllBytes(_path).ShouldBe(rewritten, "closing the stream cut nothing the other program wrote");
    }

    private static string[] PagesOf(string path)
    {
        var identity = Emmap.Streams.Native.NativeFile.TryGetStatus(path)!.Value.Identity;
        return Directory.GetFiles("/dev/shm", System.FormattableString.Invariant($"emmap-{identity.Device:x}-{identity.Inode:x}-{identity.Birth:x}"));
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Record(int id, int sequence)
    {
        byte[] record = new byte[RecordSize];
        record.AsSpan(8).Fill((byte)id);
        BinaryPrimitives.WriteInt32LittleEndian(record, id);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), sequence);
        return record;
    }

    private static (int Id, int Sequence) ReadRecord(ReadOnlySpan<byte> record)
    {
        int id = BinaryPrimitives.ReadInt32LittleEndian(record);
        int sequence = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
        record[8..].ToArray().ShouldAllBe(b => b == (byte)id, $"record {id}/{sequence} is whole");
        return (id, sequence);
    }

    [Test]
    public void Release_RacingTheLastClose_NeverRetriesATrimThroughTheClosedState()
    {
        // Another process maps the file, so this process's shrink cannot truncate it: the trim stays pending past the close.
        File.WriteAllBytes(_path, new byte[8192]);
        using var child = ChildHost.Start("stream-session", _path, "shared");
        child.ReadLine().ShouldBe("ready");
        Streams.Mapping.FileEntry entry;
        using (MappedFileStream stream = Open())
        {
            entry = stream.View.Entry;
            stream.SetLength(100);
            entry.PendingTrim.ShouldBeTrue();
        }

        // What a release that lost the race with the last close does next: the entry is closed, its shared words unmapped.
        // Touching them would fault the process.
        entry.RetryPendingTrim();
        new FileInfo(_path).Length.ShouldBe(8192);

        child.ShouldExitWith(0);
        new FileInfo(_path).Length.ShouldBe(100);
    }

    // Another process halfway through an append of 6,000 bytes: they are copied, the new length is not yet published, and it
    // holds the size lock until it is told "go".
    private ChildHost StartAnAppendThatHoldsTheSizeLock(out string appended)
    {
        ChildHost child = ChildHost.Start("stream-session", _path, "shared");
        try
        {
            child.ReadLine().ShouldBe("ready");
            child.Ask("pause extend.copied").ShouldBe("armed");
            appended = new string('c', 6000);
            child.Ask("append " + appended).ShouldBe("paused");
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    private MappedFileStream Open() =>
        MappedFileStream.Open(_path, new MapOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Size = File.Exists(_path) ? 0 : 4096,
        });

    /// <summary>Holds a file's size lock through an open file description of its own (Linux), until disposed.</summary>
    private sealed class HeldSizeLock : IDisposable
    {
        private const long SizeLockByte = 1L << 62;
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _holder;

        internal HeldSizeLock(string path)
        {
            _holder = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            RangeLocks.Lock(_holder, SizeLockByte, shared: false, path);
        }

        public void Dispose()
        {
            RangeLocks.Unlock(_holder, SizeLockByte);
            _holder.Dispose();
        }
    }
}
