using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Counters;

[TestFixture]
public sealed class MappedCountersTests
{
    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("mem.bin");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Operations_SeedReadmeSequenceOnFreshFile_GiveExactlyTheReadmeLine()
    {
        using var f = MappedCounters.Open(_path, 2);

        long n1 = f.Increment(0);
        long n2 = f.Increment(0, 5);
        long n3 = f.Increment(0);
        long n4 = f.Increment(0, 2);
        long n5 = f.Set(0, 15);
        long n6 = f.Read(0);

        $"N1={n1}, N2={n2}, N3={n3}, N4={n4}, N5={n5}, N6={n6}".ShouldBe("N1=0, N2=1, N3=6, N4=7, N5=9, N6=15");
        f.Read(1).ShouldBe(0);
    }

    [Test]
    public void Operations_EmmapCounterTest_ReturnEmmapsValues()
    {
        using (var f = MappedCounters.Open(_path, 1))
        {
            f.Increment(0, 1).ShouldBe(0);
            f.Increment(0, 1).ShouldBe(1);
            f.Set(0, 5).ShouldBe(2);
            f.Set(0, 8).ShouldBe(5);
            f.Read(0).ShouldBe(8);
            f.Decrement(0).ShouldBe(8);
            f.Decrement(0, 3).ShouldBe(7);
            f.Read(0).ShouldBe(4);
        }

        File.Delete(_path);
        File.Exists(_path).ShouldBeFalse();
    }

    [Test]
    public void Open_MissingFile_CreatesZeroedCountersOfTheGivenCount()
    {
        using var counters = MappedCounters.Open(_path, 3);

        counters.Count.ShouldBe(3);
        counters.Path.ShouldBe(_path);
        Enumerable.Range(0, 3).Select(counters.Read).ShouldBe(new long[3]);
        new FileInfo(_path).Length.ShouldBe(40);
    }

    [Test]
    public void Open_RelativePath_ReportsFullPath()
    {
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _dir.Path;
        try
        {
            using var counters = MappedCounters.Open("relative.bin", 1);
            counters.Path.ShouldBe(_dir.File("relative.bin"));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Test]
    public void Open_MissingFile_LeavesNoTemporaryFileBehind()
    {
        using var counters = MappedCounters.Open(_path, 2);

        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { _path });
    }

    [Test]
    public void Open_ReopenWithSameCount_KeepsValues()
    {
        using (var counters = MappedCounters.Open(_path, 3))
        {
            counters.Increment(0, 11);
            counters.Set(1, long.MinValue);
            counters.Decrement(2, 4);
        }

        using var reopened = MappedCounters.Open(_path, 3);

        reopened.Read(0).ShouldBe(11);
        reopened.Read(1).ShouldBe(long.MinValue);
        reopened.Read(2).ShouldBe(-4);
    }

    [Test]
    public void Open_CountZeroOnExistingFile_UsesTheFilesCount()
    {
        using (var counters = MappedCounters.Open(_path, 5))
        {
            counters.Set(4, 44);
        }

        using var reopened = MappedCounters.Open(_path, 0);

        reopened.Count.ShouldBe(5);
        reopened.Read(4).ShouldBe(44);
    }

    [Test]
    public void Open_CountZeroOnMissingFile_ThrowsArgumentExceptionAndCreatesNothing()
    {
        var ex = Should.Throw<ArgumentException>(() => MappedCounters.Open(_path, 0));

        ex.ParamName.ShouldBe("count");
        ex.Message.ShouldContain("does not exist");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Open_DifferentCount_ThrowsArgumentExceptionAndLeavesFileUntouched([Values(1, 3, 100)] int otherCount)
    {
        using (var counters = MappedCounters.Open(_path, 2))
        {
            counters.Set(0, 15);
            counters.Set(1, -1);
        }

        byte[] before = SharedFile.ReadAllBytes(_path);

        var ex = Should.Throw<ArgumentException>(() => MappedCounters.Open(_path, otherCount));

        ex.GetType().ShouldBe(typeof(ArgumentException));
        ex.ParamName.ShouldBe("count");
        ex.Message.ShouldContain("has 2 counters");
        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Open_UnixCreateModeWithBitsThatAreNotPermissions_ThrowsOutOfRangeWhetherOrNotTheFileExists()
    {
        var options = new MappedCountersOptions { UnixCreateMode = (UnixFileMode)0x1000 };
        Should.Throw<ArgumentOutOfRangeException>(() => MappedCounters.Open(_path, 2, options)).ParamName.ShouldBe("options");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();

        using (var counters = MappedCounters.Open(_path, 2))
        {
            counters.Increment(1, 5);
        }

        byte[] before = SharedFile.ReadAllBytes(_path);
        Should.Throw<ArgumentOutOfRangeException>(() => MappedCounters.Open(_path, 2, options)).ParamName.ShouldBe("options");
        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Open_InvalidArguments_Throw()
    {
        Should.Throw<ArgumentNullException>(() => MappedCounters.Open(null!, 1));
        Should.Throw<ArgumentException>(() => MappedCounters.Open(string.Empty, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedCounters.Open(_path, -1)).ParamName.ShouldBe("count");
        Should.Throw<ArgumentException>(() => MappedCounters.Open(_path, 1, new MappedCountersOptions { Access = FileAccess.Write }))
            .ParamName.ShouldBe("options");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Open_MissingDirectory_ThrowsDirectoryNotFound() =>
        Should.Throw<DirectoryNotFoundException>(() => MappedCounters.Open(Path.Combine(_dir.Path, "no-such-dir", "c.bin"), 1));

    [TestCase("name-too-long", typeof(PathTooLongException))]
    [TestCase("missing-directory-with-a-trailing-slash", typeof(DirectoryNotFoundException))]
    [LinuxOnly("a 256-byte name is too long for Linux file systems, and a trailing slash names a directory")]
    public void Open_PathThatCannotBeCreated_NamesTheCounterPathNotTheTemporaryFile(string kind, Type expected)
    {
        string path = kind == "name-too-long" ? Path.Combine(_dir.Path, new string('c', 256)) : Path.Combine(_dir.Path, "missing") + "/";

        Exception thrown = Should.Throw(() => MappedCounters.Open(path, 3).Dispose(), expected);

        thrown.Message.ShouldContain($"'{path}'");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty("nothing was created, not even the temporary file");
    }

    [Test]
    public void Open_PathIsADirectory_ThrowsUnauthorizedAccess([Values(0, 1)] int count, [Values(FileAccess.ReadWrite, FileAccess.Read)] FileAccess access) =>
        Should.Throw<UnauthorizedAccessException>(() => MappedCounters.Open(_dir.Path, count, new MappedCountersOptions { Access = access }))
            .Message.ShouldContain("directory");

    [Test]
    public void Open_DanglingSymbolicLink_ThrowsIOExceptionAndLeavesNoTemporaryFile()
    {
        if (TestPlatform.IsWine)
        {
            Assert.Ignore("Wine makes a Unix symbolic link, which its own file functions do not see while it dangles.");
        }

        File.CreateSymbolicLink(_path, Path.Combine(_dir.Path, "missing-dir", "target"));

        Should.Throw<IOException>(() => MappedCounters.Open(_path, 1)).Message.ShouldContain("symbolic link");

        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { _path });
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    [LinuxOnly("checks Unix permission bits (UnixCreateMode)")]
    public void Open_Created_GetsDefaultOwnerOnlyPermissions()
    {
        using var counters = MappedCounters.Open(_path, 1);

        File.GetUnixFileMode(_path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    [LinuxOnly("checks Unix permission bits (UnixCreateMode)")]
    public void Open_CreateModeGiven_CreatesWithIt()
    {
        const UnixFileMode groupShared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

        using var counters = MappedCounters.Open(_path, 1, new MappedCountersOptions { UnixCreateMode = groupShared });

        File.GetUnixFileMode(_path).ShouldBe(groupShared);
    }

    [Test]
    public void Open_ReadOnly_ReadsAndRefusesUpdates()
    {
        using (var writer = MappedCounters.Open(_path, 2))
        {
            writer.Set(1, 77);
        }

        byte[] before = SharedFile.ReadAllBytes(_path);
        using var reader = MappedCounters.Open(_path, 0, new MappedCountersOptions { Access = FileAccess.Read });

        reader.Count.ShouldBe(2);
        reader.Read(1).ShouldBe(77);
        Should.Throw<NotSupportedException>(() => reader.Increment(1));
        Should.Throw<NotSupportedException>(() => reader.Decrement(1));
        Should.Throw<NotSupportedException>(() => reader.Set(1, 0));
        Should.Throw<NotSupportedException>(() => reader.CompareExchange(1, 0, 77));
        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Open_ReadOnlyOnMissingFile_ThrowsFileNotFoundAndCreatesNothing()
    {
        Should.Throw<FileNotFoundException>(() => MappedCounters.Open(_path, 2, new MappedCountersOptions { Access = FileAccess.Read }));

        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Open_ReadOnlyCountZeroOnMissingFile_ThrowsFileNotFoundAndCreatesNothing()
    {
        Should.Throw<FileNotFoundException>(() => MappedCounters.Open(_path, 0, new MappedCountersOptions { Access = FileAccess.Read }));

        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Open_MissingFileWithA250ByteName_CreatesIt()
    {
        string path = _dir.File(new string('c', 250));
        using (new FileStream(path, FileMode.CreateNew))
        {
        }

        File.Delete(path);

        using var counters = MappedCounters.Open(path, 1);

        counters.Count.ShouldBe(1);
        new FileInfo(path).Length.ShouldBe(24);
    }

    [Test]
    public void Open_ReadOnlySeesUpdatesOfAWriter()
    {
        using var writer = MappedCounters.Open(_path, 1);
        using var reader = MappedCounters.Open(_path, 1, new MappedCountersOptions { Access = FileAccess.Read });

        writer.Increment(0, 9);

        reader.Read(0).ShouldBe(9);
    }

    [Test]
    public void Open_ReadOnlyFirstThenReadWriteInOneProcess_BothWork()
    {
        using (MappedCounters.Open(_path, 1))
        {
        }

        using var reader = MappedCounters.Open(_path, 1, new MappedCountersOptions { Access = FileAccess.Read });
        using var writer = MappedCounters.Open(_path, 1);

        writer.Increment(0, 6).ShouldBe(0);

        reader.Read(0).ShouldBe(6);
        Should.Throw<NotSupportedException>(() => reader.Increment(0));
    }

    [Test]
    public void Open_TwiceInOneProcess_SharesValues()
    {
        using var first = MappedCounters.Open(_path, 2);
        using var second = MappedCounters.Open(_path, 2);

        first.Increment(1, 3);
        second.Increment(1, 4).ShouldBe(3);

        first.Read(1).ShouldBe(7);
    }

    [Test]
    public void Increment_NegativeBy_Subtracts()
    {
        using var counters = MappedCounters.Open(_path, 1);

        counters.Increment(0, -5).ShouldBe(0);

        counters.Read(0).ShouldBe(-5);
    }

    [Test]
    public void Increment_PastMaxValue_WrapsToMinValue()
    {
        using var counters = MappedCounters.Open(_path, 1);
        counters.Set(0, long.MaxValue);

        counters.Increment(0).ShouldBe(long.MaxValue);

        counters.Read(0).ShouldBe(long.MinValue);
    }

    [Test]
    public void Decrement_PastMinValue_WrapsToMaxValue()
    {
        using var counters = MappedCounters.Open(_path, 1);
        counters.Set(0, long.MinValue);

        counters.Decrement(0).ShouldBe(long.MinValue);

        counters.Read(0).ShouldBe(long.MaxValue);
    }

    [Test]
    public void Set_ReturnsOldValue()
    {
        using var counters = MappedCounters.Open(_path, 2);
        counters.Set(1, 10);

        counters.Set(1, -3).ShouldBe(10);

        counters.Read(1).ShouldBe(-3);
        counters.Read(0).ShouldBe(0);
    }

    [Test]
    public void CompareExchange_Matches_StoresAndReturnsComparand()
    {
        using var counters = MappedCounters.Open(_path, 1);
        counters.Set(0, 5);

        counters.CompareExchange(0, 50, 5).ShouldBe(5);

        counters.Read(0).ShouldBe(50);
    }

    [Test]
    public void CompareExchange_Differs_LeavesCounterAndReturnsCurrent()
    {
        using var counters = MappedCounters.Open(_path, 1);
        counters.Set(0, 5);

        counters.CompareExchange(0, 50, 4).ShouldBe(5);

        counters.Read(0).ShouldBe(5);
    }

    [Test]
    public void Operations_IndexOutOfRange_ThrowArgumentOutOfRangeAndChangeNothing([Values(-1, 3, 4, int.MaxValue, int.MinValue)] int index)
    {
        using var counters = MappedCounters.Open(_path, 3);
        byte[] before = SharedFile.ReadAllBytes(_path);

        Should.Throw<ArgumentOutOfRangeException>(() => counters.Increment(index)).ParamName.ShouldBe("index");
        Should.Throw<ArgumentOutOfRangeException>(() => counters.Decrement(index)).ParamName.ShouldBe("index");
        Should.Throw<ArgumentOutOfRangeException>(() => counters.Set(index, 1)).ParamName.ShouldBe("index");
        Should.Throw<ArgumentOutOfRangeException>(() => counters.CompareExchange(index, 1, 0)).ParamName.ShouldBe("index");
        Should.Throw<ArgumentOutOfRangeException>(() => counters.Read(index)).ParamName.ShouldBe("index");

        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Operations_AfterDispose_ThrowObjectDisposed()
    {
        var counters = MappedCounters.Open(_path, 1);
        counters.Dispose();
        counters.Dispose();

        Should.Throw<ObjectDisposedException>(() => counters.Increment(0));
        Should.Throw<ObjectDisposedException>(() => counters.Decrement(0));
        Should.Throw<ObjectDisposedException>(() => counters.Set(0, 1));
        Should.Throw<ObjectDisposedException>(() => counters.CompareExchange(0, 1, 0));
        Should.Throw<ObjectDisposedException>(() => counters.Read(0));
        Should.Throw<ObjectDisposedException>(() => counters.Flush());
        Should.Throw<ObjectDisposedException>(() => counters.Flush(flushToDisk: true));
    }

    [Test]
    public void CountAndPath_AfterDispose_StayTheValuesReadAtOpen()
    {
        var counters = MappedCounters.Open(_path, 3);
        counters.Dispose();

        counters.Count.ShouldBe(3);
        counters.Path.ShouldBe(Path.GetFullPath(_path));
    }

    [Test]
    public void Flush_ToDisk_KeepsValuesInTheFile()
    {
        using var counters = MappedCounters.Open(_path, 2);
        counters.Set(1, 0x1122334455667788);

        counters.Flush();
        counters.Flush(flushToDisk: true);

        SharedFile.ReadAllBytes(_path)[24..].ShouldBe(new byte[] { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 });
    }

    [Test]
    public void GetFileSize_Count_IsHeaderPlusEightPerCounter()
    {
        MappedCounters.GetFileSize(0).ShouldBe(16);
        MappedCounters.GetFileSize(2).ShouldBe(32);
        MappedCounters.GetFileSize(int.MaxValue).ShouldBe(16 + (8L * int.MaxValue));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedCounters.GetFileSize(-1));
    }

    [Test]
    public void Increment_ManyThreadsManyCounters_LosesNoUpdate()
    {
        const int threads = 4;
        const int perThread = 100_000;
        using var counters = MappedCounters.Open(_path, 2);
        using var start = new Barrier(threads);

        Task[] tasks = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (int i = 0; i < perThread; i++)
                {
                    counters.Increment(0);
                    counters.Decrement(1, 2);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        Task.WaitAll(tasks);

        counters.Read(0).ShouldBe(threads * perThread);
        counters.Read(1).ShouldBe(-2L * threads * perThread);
    }

    [Test]
    public void Increment_RacingDispose_CompletesOrThrowsObjectDisposed()
    {
        for (int round = 0; round < 20; round++)
        {
            var counters = MappedCounters.Open(_path, 1);
            using var started = new CountdownEvent(2);
            Task<Exception?>[] workers = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    started.Signal();
                    try
                    {
                        for (int i = 0; i < 2_000_000; i++)
                        {
                            counters.Increment(0);
                            counters.Read(0);
                        }

                        return null;
                    }
                    catch (Exception ex)
                    {
                        return ex;
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();

            started.Wait();
            counters.Dispose();

            foreach (Task<Exception?> worker in workers)
            {
                Exception? outcome = worker.GetAwaiter().GetResult();
                if (outcome is not null)
                {
                    outcome.ShouldBeOfType<ObjectDisposedException>();
                }
            }
        }

        using var reopened = MappedCounters.Open(_path, 1);
        reopened.Count.ShouldBe(1);
    }

    [Test]
    public void IncrementAndRead_WarmCalls_AllocateNothing()
    {
        using var counters = MappedCounters.Open(_path, 4);
        counters.Increment(3);
        counters.Read(3);
        counters.Decrement(3);
        counters.Set(3, 0);
        counters.CompareExchange(3, 0, 0);

        long allocated = AllocationMeter.LeastOf(3, () =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counters.Increment(i & 3);
                counters.Read(i & 3);
                counters.Decrement(3, 2);
                counters.Set(2, i);
                counters.CompareExchange(1, i, i - 1);
            }
        });

        allocated.ShouldBe(0);
    }

    [Test]
    public void Increment_AStreamOfTheFileCutItShortOfTheCounter_ThrowsNamingThePositionAndChangesNothing()
    {
        using var counters = MappedCounters.Open(_path, 4);
        counters.Increment(1, 5);
        using (var cutter = new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            cutter.SetLength(16 + (2 * sizeof(long)));
        }

        Should.Throw<ArgumentOutOfRangeException>(() => counters.Increment(3)).ParamName.ShouldBe("position");
        counters.Increment(1).ShouldBe(5, "the counters inside the file still work");
        using var check = new MappedFileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        check.Length.ShouldBe(16 + (2 * sizeof(long)), "the failed call grew nothing");
    }
}
