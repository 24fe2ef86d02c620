using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// The process's table of open files: an open that makes a file's entry, and waits there for another process's size lock,
/// holds up the other opens of that file only. An open file description of the test holding the size lock stands in for
/// another process's size change (the kernel treats the two alike).
/// </summary>
[TestFixture]
public sealed class FileRegistryTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(10);

    private TempDirectory _directory = null!;
    private string _busy = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _busy = _directory.File("busy.bin");
        File.WriteAllBytes(_busy, new byte[4096]);
    }

    [TearDown]
    public void TearDown()
    {
        CrashPoints.Hook = null;
        _directory.Dispose();
    }

    [Test]
    [LinuxOnly("open file description locks stand in for another process's size lock")]
    public void Open_OfAnotherFileWhileAnOpenWaitsForASizeLock_DoesNotWait()
    {
        using SafeFileHandle holder = HoldSizeLock();
        Task<MappedFileStream> waiting = OpenBusy();
        try
        {
            SpinWait.SpinUntil(() => FileLocks.WaiterExists(_busy), s_patience).ShouldBeTrue("the open waits for the size lock");

            string other = _directory.File("other.bin");
            Task<MappedFileStream> opening = Task.Run(() => MappedFileStream.Open(
                other, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 64 }));
            opening.Wait(s_patience).ShouldBeTrue("an open of another file waited for this file's size lock");
            using (MappedFileStream stream = opening.Result)
            {
                stream.WriteAt(0, [1, 2, 3]);
                byte[] read = new byte[3];
                stream.ReadAt(0, read).ShouldBe(3);
                read.ShouldBe(new byte[] { 1, 2, 3 });
            }

            waiting.IsCompleted.ShouldBeFalse("the open of the busy file went on while its size lock was held");
        }
        finally
        {
            Release(holder);
            waiting.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();
            waiting.Result.Dispose();
        }
    }

    [Test]
    [LinuxOnly("open file description locks stand in for another process's size lock")]
    public void Open_OfTheSameFileWhileAnOpenMakesItsEntry_WaitsForItAndSharesIt()
    {
        Task<MappedFileStream> first;
        Task<MappedFileStream> second;
        using (SafeFileHandle holder = HoldSizeLock())
        {
            first = OpenBusy();
            try
            {
                SpinWait.SpinUntil(() => FileLocks.WaiterExists(_busy), s_patience).ShouldBeTrue("the open waits for the size lock");
                second = OpenBusy();
                second.Wait(TimeSpan.FromMilliseconds(300)).ShouldBeFalse("a second open of the file did not wait for its entry");
            }
            finally
            {
                Release(holder);
            }
        }

        Task.WaitAll([first, second], TimeSpan.FromSeconds(30)).ShouldBeTrue("the opens waited for good");
        using MappedFileStream a = first.Result;
        using MappedFileStream b = second.Result;

        // One entry for both, the one the registry holds.
        a.View.Entry.ShouldBeSameAs(b.View.Entry);
        FileRegistry.Find(NativeFile.TryGetStatus(_busy)!.Value.Identity).ShouldBeSameAs(a.View.Entry);
        a.WriteAt(100, [7, 8, 9]);
        byte[] read = new byte[3];
        b.ReadAt(100, read).ShouldBe(3);
        read.ShouldBe(new byte[] { 7, 8, 9 });
        b.SetLength(8192);
        a.Length.ShouldBe(8192);
    }

    [Test]
    [LinuxOnly("open file description locks stand in for another process's size lock")]
    public void Open_OfTheSameFileWhileTheOpenMakingItsEntryFails_MakesTheEntryItself()
    {
        Task<MappedFileStream> failing;
        Task<MappedFileStream> waiting;
        int failed = 0;
        using (SafeFileHandle holder = HoldSizeLock())
        {
            failing = OpenBusy();
            try
            {
                SpinWait.SpinUntil(() => FileLocks.WaiterExists(_busy), s_patience).ShouldBeTrue("the open waits for the size lock");
                waiting = OpenBusy();
                waiting.Wait(TimeSpan.FromMilliseconds(300)).ShouldBeFalse("a second open of the file did not wait for its entry");

                // The open that got the size lock first fails there, before it has looked at anything.
                CrashPoints.Hook = point =>
                {
                    if (point == CrashPoints.EntryJoining && Interlocked.Exchange(ref failed, 1) == 0)
                    {
                        throw new IOException("injected failure of the entry's join");
                    }
                };
            }
            finally
            {
                Release(holder);
            }
        }

        Should.Throw<AggregateException>(() => failing.Wait(TimeSpan.FromSeconds(30)))
            .InnerException.ShouldBeOfType<IOException>().Message.ShouldContain("injected");
        waiting.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue("the waiting open was never woken");
        failed.ShouldBe(1);
        using MappedFileStream stream = waiting.Result;
        ProcessMaps.OpenDescriptors(_busy).ShouldBe(1);
        stream.WriteAt(0, [5]);
        using var reader = MappedFileStream.Open(_busy);
        reader.ReadByte().ShouldBe(5);
    }

    [Test]
    [LinuxOnly("open file description locks stand in for another process's presence and size lock")]
    public void Open_ReadOnlyWhileTheLastHandleOfAWritableEntryCloses_LeavesTheFileTrimmedAndNoPage()
    {
        // Another process keeps this process's writer from trimming its capacity, and leaves just as the last handle of the file
        // here is released: the registry has forgotten the entry, which is not closed yet. A read-only open of the same file
        // comes then. Both are this process, and the other is gone: the file must end at its length with no page left, as when
        // this process closes alone.
        FileIdentity identity = NativeFile.TryGetStatus(_busy)!.Value.Identity;
        using SafeFileHandle otherFile = File.OpenHandle(_busy, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var writer = MappedFileStream.Open(_busy, new MapOptions { Access = FileAccess.ReadWrite });
        writer.Append([1, 2, 3, 4]).ShouldBe(4096);
        SharedFileState other = SharedFileState.Open(identity, otherFile, writable: false, _busy);
        Task<MappedFileStream>? opening = null;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.EntryClosing)
            {
                CrashPoints.Hook = null;
                other.Close(last: false);
                opening = Task.Run(() => MappedFileStream.Open(_busy));
                _ = SpinWait.SpinUntil(() => opening.IsCompleted, TimeSpan.FromSeconds(2));
            }
        };
        try
        {
            writer.Dispose();
        }
        finally
        {
            CrashPoints.Hook = null;
            other.Close(last: false);
        }

        opening.ShouldNotBeNull("the close released the entry");
        opening.Wait(s_patience).ShouldBeTrue("the open finished");
        using (MappedFileStream reader = opening.Result)
        {
            reader.Length.ShouldBe(4100);
            byte[] tail = new byte[4];
            reader.ReadAt(4096, tail).ShouldBe(4);
            tail.ShouldBe(new byte[] { 1, 2, 3, 4 });
        }

        SizeOnDisk.Of(_busy).ShouldBe(4100, "the capacity was given back");
        SharedFileState.PageExists(identity).ShouldBeFalse("no handle of the file is left");
    }

    private Task<MappedFileStream> OpenBusy() =>
        Task.Factory.StartNew(
            () => MappedFileStream.Open(_busy, new MapOptions { Access = FileAccess.ReadWrite }),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    // Another open file description of busy.bin holding its size lock: what another process's size change holds.
    private SafeFileHandle HoldSizeLock()
    {
        SafeFileHandle holder = File.OpenHandle(_busy, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        RangeLocks.Lock(holder, SharedFileState.LockRangeStart, shared: false, _busy);
        return holder;
    }

    private static void Release(SafeFileHandle holder) => RangeLocks.Unlock(holder, SharedFileState.LockRangeStart);
}
