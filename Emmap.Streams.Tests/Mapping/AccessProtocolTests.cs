using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Diagnostics;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// The one mapped-access protocol (<see cref="MappedAccess"/>) on every path: a cut is caught even if the length grew back,
/// an exception means nothing happened and nothing is held, and no result holds bytes that were not data. Races get a
/// deterministic test (a hook, or the protocol driven step by step) and a bounded stress loop.
/// </summary>
[TestFixture]
public sealed class AccessProtocolTests
{
    private const int Page = 4096;
    private const byte Data = 0x5A;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("protocol.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat(Data, 2 * Page).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void End_AfterAShrinkAndARegrowToTheSameLength_ReportsTheCut()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        MappedView view = stream.View;

        MappedAccess.TryBegin(view.State, view.Offset, view.Limit, Page, 64, out MappedAccess access).ShouldBeTrue();
        other.SetLength(Page);
        other.SetLength(2 * Page);

        access.End().ShouldBeFalse("the length is back where it was, but the pages were cut in between");
        view.RangeUntouched(access.Cuts, Page, 64).ShouldBeFalse();
        view.RangeUntouched(access.Cuts, 0, 64).ShouldBeTrue("bytes below every cut were never touched");
    }

    [Test]
    public void TryBegin_OnADisposedHandle_RefusesEveryRangeEvenAnEmptyOne()
    {
        var stream = OpenWritable();
        MappedView view = stream.View;
        stream.Dispose();

        MappedAccess.TryBegin(view.State, view.Offset, view.Limit, 0, 0, out _).ShouldBeFalse();
        Should.Throw<ObjectDisposedException>(() => stream.ReadAt(0, Span<byte>.Empty));
        Should.Throw<ObjectDisposedException>(() => stream.WriteAt(0, ReadOnlySpan<byte>.Empty));
    }

    [Test]
    public void AtomicAdd_CellCutWhileTheOperationRan_IsNotCountedAndThenFailsAsOutOfRange()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        stream.AtomicWrite(Page, 41);

        // Between the update and its check, another handle cuts the cell away: the update went with the cut bytes.
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.AtomicApplied)
            {
                CrashPoints.Hook = null;
                other.SetLength(Page);
            }
        };
        try
        {
            Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicAdd(Page, 1));
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        other.SetLength(2 * Page);
        stream.AtomicRead(Page).ShouldBe(0, "the regrown cell reads zero: the failed call changed nothing that survived");
    }

    [Test]
    public void AtomicAdd_CellCutAndRegrownWhileTheOperationRan_HappensExactlyOnceOnTheNewCell()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        stream.AtomicWrite(Page, 41);
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.AtomicApplied)
            {
                CrashPoints.Hook = null;
                other.SetLength(Page);
                other.SetLength(2 * Page);
            }
        };
        try
        {
            stream.AtomicAdd(Page, 1).ShouldBe(0, "the first attempt went with the cut; the retry saw the regrown cell");
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        stream.AtomicRead(Page).ShouldBe(1);
    }

    [Test]
    public void WriteAt_RangeCutWhileTheCopyRan_IsDoneAgainAfterTheCut([Values] MapSharing sharing)
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = sharing });
        using var other = sharing == MapSharing.Shared ? OpenWritable() : null;
        MappedFileStream shrinker = other ?? stream;
        byte[] data = Enumerable.Repeat((byte)0xEE, 64).ToArray();

        // Between the copy and its check, the range is cut away: the copy may have landed in swapped-out pages or past the
        // new end, where a later growth could bring part of it back.
        int thread = Environment.CurrentManagedThreadId;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.WriteCopied && Environment.CurrentManagedThreadId == thread)
            {
                CrashPoints.Hook = null;
                shrinker.SetLength(Page + 50);
            }
        };
        try
        {
            stream.WriteAt(Page + 100, data);
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        stream.Length.ShouldBe(Page + 100 + data.Length, "the write was done again after the cut, as a pwrite after a truncation");
        byte[] back = new byte[data.Length + 50];
        stream.ReadExactlyAt(Page + 50, back);
        back.AsSpan(0, 50).ToArray().ShouldAllBe(b => b == 0, "the gap the write left after the cut reads zeros");
        back.AsSpan(50).ToArray().ShouldBe(data);
    }

    [Test]
    public void WriteAt_RangeCutWhileTheCopyRan_OnAHandleDisposedMeanwhile_ReturnsAndIsNotDoneAgain()
    {
        var stream = OpenWritable();
        using var other = OpenWritable();
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.WriteCopied)
            {
                CrashPoints.Hook = null;
                other.SetLength(Page);
                stream.Dispose();
            }
        };
        try
        {
            stream.WriteAt(Page + 100, new byte[] { 1, 2, 3 });
        }
        finally
        {
            CrashPoints.Hook = null;
            stream.Dispose();
        }

        other.Length.ShouldBe(Page, "the write came before its handle's close, and the cut discarded it");
    }

    [Test]
    public unsafe void Growth_AfterAShrinkToTheMiddleOfAPage_ZeroesWhatALateUpdateLeftPastTheNewEnd([Values] bool onTmpfs)
    {
        // tmpfs keeps bytes stored past the end of a file in its last page and shows them again when the file grows.
        if (onTmpfs && !Directory.Exists("/dev/shm"))
        {
            Assert.Ignore("no tmpfs at /dev/shm here");
        }

        string path = onTmpfs ? $"/dev/shm/emmap-tests-{Guid.NewGuid():N}.bin" : _path;
        File.WriteAllBytes(path, Enumerable.Repeat(Data, 2 * Page).ToArray());
        try
        {
            using var stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
            using var other = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });

            // An update past its range check when the shrink truncates the file in the middle of the cell's page: it lands
            // in the page's tail past the new end (still mapped), sees the erasing cut, and is refused as out of range.
            MappedAccess.TryBeginUpdate(stream, Page + 64, sizeof(long), out MappedAccess access).ShouldBeTrue();
            other.SetLength(Page + 8);
            Interlocked.Add(ref *(long*)access.Pointer, 5);
            access.End(stream).ShouldBeFalse();
            stream.View.RangeUntouched(access.Cuts, Page + 64, sizeof(long)).ShouldBeFalse("the update is refused, as if it came after the cut");

            other.SetLength(2 * Page);
            stream.AtomicRead(Page + 64).ShouldBe(0, "a refused update left nothing behind for a growth to bring back");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Growth_AfterAShrinkUnderALiveView_ReadsZerosWhereTheViewWrotePastTheNewEnd(
        [Values] MapSharing sharing, [Values] bool bySetLength)
    {
        if (sharing == MapSharing.Shared && !Directory.Exists("/dev/shm"))
        {
            Assert.Ignore("no tmpfs at /dev/shm here");
        }

        // A shared mapping shows the bytes again only where the file system keeps them past the end (tmpfs); a private
        // handle's own pages keep them anywhere.
        string path = sharing == MapSharing.Shared ? $"/dev/shm/emmap-tests-{Guid.NewGuid():N}.bin" : _path;
        File.WriteAllBytes(path, Enumerable.Repeat(Data, 2 * Page).ToArray());
        try
        {
            using var stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = sharing });
            using (var view = stream.ReadDirect(Page, 100))
            {
                stream.SetLength(Page + 8);
                view.Memory.Span[64] = 0xEE;
            }

            if (bySetLength)
            {
                stream.SetLength(2 * Page);
            }
            else
            {
                stream.WriteAt(Page + 200, new byte[] { 1 });
            }

            byte[] gap = new byte[192];
            stream.ReadExactlyAt(Page + 8, gap);
            gap.ShouldAllBe(b => b == 0, "bytes past the end when the file grew read as zeros, whatever a view stored there");
        }
        finally
        {
            if (sharing == MapSharing.Shared)
            {
                File.Delete(path);
            }
        }
    }

    [Test]
    public void WriteAt_LargeWriteRacingAShrinkAndARegrowth_IsAllBeforeTheCutOrAllAfterIt()
    {
        const int size = 32 << 20;
        using var stream = OpenWritable();
        using var other = OpenWritable();
        byte[] data = Enumerable.Repeat((byte)0xEE, size).ToArray();
        byte[] tail = new byte[size - Page];
        for (int round = 0; round < 6; round++)
        {
            stream.SetLength(0);
            stream.SetLength(size);
            stream.WriteAt(0, new byte[size]);
            using var start = new Barrier(2);
            Task writer = Task.Run(() =>
            {
                start.SignalAndWait();
                stream.WriteAt(0, data);
            });
            start.SignalAndWait();
            Thread.Sleep(round);
            other.SetLength(Page);
            other.SetLength(size);
            writer.Wait();

            stream.ReadExactlyAt(Page, tail);
            byte first = tail[0];
            first.ShouldBeOneOf((byte)0, (byte)0xEE);
            int differing = tail.AsSpan().IndexOfAnyExcept(first);
            differing.ShouldBe(-1, $"round {round}: the write's cut tail came back from offset {Page + differing} on");
        }
    }

    [Test]
    public void ReadAtAndReadExactlyAt_RangeCutWhileTheCopyRan_KeepOnlyWhatIsStillData([Values] bool exactly)
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        byte[] buffer = new byte[16];

        // Between the copy and its check, another handle cuts the upper half of the range away (only this thread's read).
        int thread = Environment.CurrentManagedThreadId;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.ReadCopied && Environment.CurrentManagedThreadId == thread)
            {
                CrashPoints.Hook = null;
                other.SetLength(Page);
            }
        };
        try
        {
            if (exactly)
            {
                Should.Throw<EndOfStreamException>(() => stream.ReadExactlyAt(Page - 8, buffer));
            }
            else
            {
                stream.ReadAt(Page - 8, buffer).ShouldBe(8, "the copy raced the cut, so the read was done again against the new end");
                buffer.AsSpan(0, 8).ToArray().ShouldAllBe(b => b == Data);
            }
        }
        finally
        {
            CrashPoints.Hook = null;
        }
    }

    [Test]
    public void AtomicAdd_ACutBeyondTheCellWhileTheOperationRan_CountsOnce()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.AtomicApplied)
            {
                CrashPoints.Hook = null;
                other.SetLength(Page);
            }
        };
        try
        {
            stream.AtomicAdd(8, 5).ShouldBe(unchecked((long)0x5A5A_5A5A_5A5A_5A5A));
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        stream.AtomicRead(8).ShouldBe(unchecked((long)0x5A5A_5A5A_5A5A_5A5A) + 5);
    }

    [Test]
    public void ReadDirect_StreamDisposedRightAfterThePin_ReturnsAViewThatKeepsTheMappingUntilItIsDisposed()
    {
        var stream = OpenWritable();
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.ViewPinned)
            {
                CrashPoints.Hook = null;
                stream.Dispose();
            }
        };
        IMemoryOwner<byte> view;
        try
        {
            view = stream.ReadDirect(0, Page);
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        view.Memory.Span.ToArray().ShouldAllBe(b => b == Data, "the view was made: it pins the mapping past the dispose");
        ProcessMaps.Maps(_path).ShouldBeTrue();
        view.Dispose();
        MappedFileMetrics.CountLiveViews().ShouldBe(0);
        ProcessMaps.Maps(_path).ShouldBeFalse("the view held the last reference: nothing stays mapped after it");
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void PipeReaderRead_StreamDisposedRightAfterThePin_ReturnsTheDataAndKeepsTheMappingUntilTheReaderIsDone()
    {
        var stream = OpenWritable();
        System.IO.Pipelines.PipeReader reader = stream.AsPipeReader();
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.ViewPinned)
            {
                CrashPoints.Hook = null;
                stream.Dispose();
            }
        };
        System.IO.Pipelines.ReadResult result;
        try
        {
            reader.TryRead(out result).ShouldBeTrue();
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        result.Buffer.Length.ShouldBe(2 * Page, "the pin came before the dispose: the read shows the data, as a direct view does");
        result.Buffer.ToArray().ShouldAllBe(b => b == Data);
        ProcessMaps.Maps(_path).ShouldBeTrue();
        reader.AdvanceTo(result.Buffer.End);
        Should.Throw<ObjectDisposedException>(() => reader.TryRead(out _));
        reader.Complete();
        MappedFileMetrics.CountLiveViews().ShouldBe(0);
        ProcessMaps.Maps(_path).ShouldBeFalse("the reader held the last reference: nothing stays mapped after it");
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public async Task FollowingPipeReader_CompletedByAnotherThreadRightAfterItsWaitPinned_KeepsNoPin()
    {
        using var stream = OpenWritable();
        System.IO.Pipelines.PipeReader reader = stream.AsPipeReader(stream.Length, new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(5) });
        ValueTask<System.IO.Pipelines.ReadResult> pending = reader.ReadAsync();
        Task? completing = null;
        bool completedUnderTheRead = false;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.ViewPinned)
            {
                CrashPoints.Hook = null;
                completing = Task.Run(() => reader.Complete());
                completedUnderTheRead = completing.Wait(TimeSpan.FromMilliseconds(200));
            }
        };
        try
        {
            stream.Append([1, 2, 3]);
            try
            {
                (await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Buffer.Length.ShouldBe(3);
            }
            catch (InvalidOperationException)
            {
                // Completed first: as good, if the pin is gone.
            }
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        await completing.ShouldNotBeNull("the wait pinned the mapping for the appended bytes");
        completedUnderTheRead.ShouldBeFalse("Complete waits for the read that is building a buffer, rather than drop the pin under it");
        stream.LiveViewCount.ShouldBe(0, "Complete dropped the pin the read took");
    }

    [Test]
    public void Dispose_ZeroPagesCannotBeMappedAtTheLastClose_TheFileIsNotTruncatedUnderThePagesLeftMapped()
    {
        var stream = OpenWritable();
        stream.Write(new byte[3 * Page]);
        long capacity = stream.Capacity;
        capacity.ShouldBeGreaterThan(3 * Page);
        using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
        {
            stream.Dispose();
        }

        if (OperatingSystem.IsWindows())
        {
            // Windows swaps no zero pages in at the last close: the views go first, then the file is cut to its length.
            new FileInfo(_path).Length.ShouldBe(3 * Page);
        }
        else
        {
            new FileInfo(_path).Length.ShouldBe(capacity, "file pages are still mapped: truncating under them could fault");
        }

        // The pages left mapped keep the closed descriptor's file description alive, and with it any lock it held: the
        // close released its locks itself, so the next open (which takes the size lock) goes through instead of waiting forever.
        Task<long> reopen = Task.Run(() =>
        {
            using var again = OpenWritable();
            again.Write(new byte[Page]);
            return again.Length;
        });
        reopen.Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue("the next open waited for a lock that the closed stream still held");
        reopen.Result.ShouldBe(3 * Page);
    }

    [Test]
    [Repeat(3)]
    public void ReadDirectAndReadSequence_RacingDispose_NeverLeaveAPinOrAMapping()
    {
        for (int round = 0; round < 1500; round++)
        {
            var stream = OpenWritable();
            using var start = new Barrier(2);
            IDisposable? held = null;
            var racer = Task.Run(() =>
            {
                start.SignalAndWait();
                try
                {
                    held = round % 2 == 0 ? stream.ReadDirect(0, Page) : stream.ReadSequence(0, 2 * Page);
                }
                catch (ObjectDisposedException)
                {
                    // Lost the race: nothing may be held.
                }
            });
            start.SignalAndWait();
            stream.Dispose();
            racer.Wait();
            held?.Dispose();
        }

        MappedFileMetrics.CountLiveViews().ShouldBe(0);
        ProcessMaps.Maps(_path).ShouldBeFalse("every stream and view is disposed: nothing may stay mapped");
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void AtomicAdd_RacingDispose_TheCellCountsExactlyTheCallsThatReturned([Values] bool lastHandle)
    {
        using var keeper = lastHandle ? null : OpenWritable();
        for (int round = 0; round < 200; round++)
        {
            var stream = OpenWritable();
            stream.AtomicWrite(0, 0);
            long returned = 0;
            using var start = new Barrier(2);
            var adder = Task.Run(() =>
            {
                start.SignalAndWait();
                try
                {
                    while (true)
                    {
                        stream.AtomicAdd(0, 1);
                        returned++;
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The dispose won: the call that threw did not happen.
                }
            });
            start.SignalAndWait();
            Thread.SpinWait(round * 50);
            stream.Dispose();
            adder.Wait();

            using var check = OpenWritable();
            long value = check.AtomicRead(0);
            if (lastHandle)
            {
                // The final close swaps the file's pages out: a call already past its range check can land in the swapped-in
                // page and still return (docs/lifetime-and-concurrency.md). A call that threw never changed the file.
                value.ShouldBeInRange(returned - 1, returned, $"round {round}");
            }
            else
            {
                value.ShouldBe(returned, $"round {round}");
            }
        }
    }

    [Test]
    public void Reads_RacingShrinksAndRegrowsOfAnotherHandle_NeverReturnBytesThatWereNotData()
    {
        using var reader = OpenWritable();
        using var shrinker = OpenWritable();
        byte[] upper = Enumerable.Repeat(Data, Page).ToArray();
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // The upper page is cut and written back in one extending write: zeros are never data, at any instant.
        var cutter = Task.Run(() =>
        {
            for (int cycle = 0; cycle < 3000; cycle++)
            {
                shrinker.SetLength(Page);
                shrinker.WriteAt(Page, upper);
            }

            stop.Cancel();
        });

        var readers = Enumerable.Range(0, 2).Select(kind => Task.Run(() =>
        {
            using var own = OpenWritable();
            byte[] buffer = new byte[1000];
            var copy = new MemoryStream();
            while (!stop.IsCancellationRequested)
            {
                int read = reader.ReadAt(Page - 100, buffer);
                Check(buffer.AsSpan(0, read), "ReadAt");

                try
                {
                    reader.ReadExactlyAt(Page - 100, buffer.AsSpan(0, 200));
                    Check(buffer.AsSpan(0, 200), "ReadExactlyAt");
                }
                catch (EndOfStreamException)
                {
                    // The upper page was cut at that instant: nothing was returned.
                }

                own.Position = Page - 100;
                copy.SetLength(0);
                own.CopyTo(copy);
                Check(copy.ToArray(), "CopyTo");

                own.Position = Page - 10;
                Check(own.ReadLine(), "ReadLine");

                try
                {
                    long cell = reader.AtomicRead(Page);
                    if (cell == 0)
                    {
                        failures.Enqueue("AtomicRead returned a zero cell");
                    }

                    if (reader.AtomicCompareExchange(Page + 8, 0x1111, 0) == 0)
                    {
                        failures.Enqueue("AtomicCompareExchange succeeded against a zero cell");
                    }
                }
                catch (ArgumentOutOfRangeException)
                {
                    // The cell was cut at that instant: nothing happened.
                }
            }
        })).ToArray();

        Task.WaitAll([cutter, .. readers], TimeSpan.FromMinutes(2)).ShouldBeTrue();
        failures.ShouldBeEmpty();

        void Check(ReadOnlySpan<byte> bytes, string path)
        {
            if (bytes.IndexOfAnyExcept(Data) is int at and >= 0)
            {
                failures.Enqueue($"{path} returned byte {bytes[at]} at {at}");
            }
        }
    }

    [Test]
    public void Open_ThousandsOfFilesKeptOpen_NoFullCollectionPerOpen()
    {
        var open = new System.Collections.Generic.List<MappedFileStream>();
        try
        {
            // More files than the number of closed mappings that makes an open collect (8,192 on Unix, 1,024 on Windows).
            int many = Region.CollectThreshold + 208;
            for (int i = 0; i < many; i++)
            {
                open.Add(Create(i));
            }

            int before = GC.CollectionCount(2);
            for (int i = many; i < many + 400; i++)
            {
                open.Add(Create(i));
            }

            (GC.CollectionCount(2) - before).ShouldBeLessThanOrEqualTo(1, "opening a file must not force a collection");
        }
        finally
        {
            open.ForEach(stream => stream.Dispose());
        }

        MappedFileStream Create(int i) =>
            MappedFileStream.Open(_directory.File($"many-{i}.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 64 });
    }

    [Test]
    [LinuxOnly("reads /proc/self/smaps to see which pages are resident and dirty")]
    public void Populate_OnAWritableFileNeverWritten_LeavesEveryPageClean()
    {
        string big = _directory.File("big.bin");
        using (var file = File.Create(big))
        {
            file.SetLength(16 << 20);
        }

        using var stream = MappedFileStream.Open(big, new MapOptions { Access = FileAccess.ReadWrite, Populate = true });

        (long rss, long dirty) = Smaps(big);
        rss.ShouldBeGreaterThan(0, "populate faulted the pages in");
        dirty.ShouldBe(0, "reading pages in must not make them dirty");
    }

    private static (long Rss, long Dirty) Smaps(string path)
    {
        string full = Path.GetFullPath(path);
        long rss = 0;
        long dirty = 0;
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (char.IsAsciiHexDigit(line[0]) && line.Contains('-', StringComparison.Ordinal) && !line.StartsWith("VmFlags", StringComparison.Ordinal))
            {
                inside = line.EndsWith(full, StringComparison.Ordinal);
            }
            else if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                rss += Kilobytes(line);
            }
            else if (inside && (line.StartsWith("Shared_Dirty:", StringComparison.Ordinal) || line.StartsWith("Private_Dirty:", StringComparison.Ordinal)))
            {
                dirty += Kilobytes(line);
            }
        }

        return (rss, dirty);

        static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private MappedFileStream OpenWritable() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
}
