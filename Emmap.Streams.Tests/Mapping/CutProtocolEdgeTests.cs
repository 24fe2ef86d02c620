using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Queue;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// Edges of the cut protocol that <see cref="AccessProtocolTests"/> leaves open: windows that do not start at file offset 0,
/// a cell that ends exactly where a cut starts, the non-add atomics' handling of a racing cut, more cuts than the cut
/// history remembers, and bytes a write past the end left behind when it failed before publishing its length.
/// </summary>
[TestFixture]
public sealed class CutProtocolEdgeTests
{
    private const int Page = 4096;
    private const byte Data = 0x5A;
    private const long DataCell = unchecked((long)0x5A5A_5A5A_5A5A_5A5A);

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("edges.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat(Data, 2 * Page).ToArray());
    }

    [TearDown]
    public void TearDown()
    {
        CrashPoints.Hook = null;
        _directory.Dispose();
    }

    [Test]
    public void WriteAt_InAWindow_RangeCutWhileTheCopyRan_IsDoneAgainAtTheWindowsPosition()
    {
        const int offset = 100;
        using var window = MappedFileStream.Open(_path, offset, 2 * Page - offset, new MapOptions { Access = FileAccess.ReadWrite });
        using var other = OpenWritable();
        byte[] data = Enumerable.Repeat((byte)0xEE, 64).ToArray();
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.WriteCopied, () => other.SetLength(Page + 50));

        window.WriteAt(Page, data);

        other.Length.ShouldBe(offset + Page + data.Length, "the write was done again at file offset Offset + position");
        byte[] back = new byte[50 + data.Length];
        other.ReadExactlyAt(Page + 50, back);
        back.AsSpan(0, 50).ToArray().ShouldAllBe(b => b == 0);
        back.AsSpan(50).ToArray().ShouldBe(data);
    }

    [Test]
    public void AtomicAdd_InAWindow_CellCutWhileTheOperationRan_IsNotCounted()
    {
        // The cell is file bytes [Page, Page + 8), position 0 of a window that starts at Page: the cut to Page erased it.
        using var window = MappedFileStream.Open(_path, Page, Page, new MapOptions { Access = FileAccess.ReadWrite });
        using var other = OpenWritable();
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(Page));

        Should.Throw<ArgumentOutOfRangeException>(() => window.AtomicAdd(0, 1));
    }

    [Test]
    public void AtomicAdd_CellEndingExactlyWhereARacingCutStarts_CountsOnce()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(Page));

        stream.AtomicAdd(Page - 8, 5).ShouldBe(DataCell);
        stream.AtomicRead(Page - 8).ShouldBe(DataCell + 5, "a cut that starts at the cell's end leaves the cell alone");
    }

    [Test]
    public void AtomicExchange_ACutBeyondTheCellWhileTheOperationRan_HappensOnce()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(Page));

        stream.AtomicExchange(8, 7).ShouldBe(DataCell, "the exchange stood: done again it would return its own value");
        stream.AtomicRead(8).ShouldBe(7);
    }

    [Test]
    public void AtomicOr_CellCutAndRegrownWhileTheOperationRan_HappensExactlyOnceOnTheNewCell()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () =>
        {
            other.SetLength(Page);
            other.SetLength(2 * Page);
        });

        stream.AtomicOr(Page, 6).ShouldBe(0, "the first attempt went with the cut; the retry saw the regrown cell");
        stream.AtomicRead(Page).ShouldBe(6);
    }

    // An access begins; then `cuts` shrinks (each followed by a regrowth) happen, the `erasingAt`-th of them (1-based,
    // counting from `first`, which may come before the access) below the cell, the rest above it.
    private bool CellUntouchedAfterCuts(int before, int after, bool lowBefore)
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        void Cut(long at)
        {
            other.SetLength(at);
            other.SetLength(2 * Page);
        }

        for (int i = 0; i < before; i++)
        {
            Cut(i == 0 && lowBefore ? 0 : Page + 64);
        }

        MappedAccess.TryBeginUpdate(stream, 8, sizeof(long), out MappedAccess access).ShouldBeTrue();
        for (int i = 0; i < after; i++)
        {
            Cut(i == 0 && !lowBefore ? 0 : Page + 64);
        }

        access.End(stream).ShouldBeFalse();
        return stream.View.RangeUntouched(access.Cuts, 8, sizeof(long));
    }

    [Test]
    public void RangeUntouched_AnErasingCutThatFellOutOfTheHistory_StillCounts([Values(257, 300)] int cuts) =>
        CellUntouchedAfterCuts(0, cuts, lowBefore: false).ShouldBeFalse("the first cut erased the cell, however many came after");

    [Test]
    public void RangeUntouched_AnErasingCutBeforeTheAccessFellOutOfTheHistory_DoesNotCount() =>
        CellUntouchedAfterCuts(1, 256, lowBefore: true).ShouldBeTrue("the only cut below the cell came before the access began");

    [Test]
    public void WriteAt_PastAGap_ZeroesWhatAnEarlierWritePastTheEndLeftWhenItFailedBeforePublishing()
    {
        using var stream = OpenWritable();
        byte[] data = Enumerable.Repeat((byte)0xEE, 64).ToArray();

        // The write copies its bytes two pages past the end and fails before it publishes the length, as a crash would.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.ExtendCopied, () => throw new IOException("crashed"));
        Should.Throw<IOException>(() => stream.WriteAt(3 * Page + 100, data));
        stream.Length.ShouldBe(2 * Page);

        stream.WriteAt(4 * Page, new byte[] { 1 });

        byte[] gap = new byte[2 * Page];
        stream.ReadExactlyAt(2 * Page, gap);
        gap.ShouldAllBe(b => b == 0, "the gap reads zeros, not the bytes of the write that never took effect");
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // Windows truncates a mapped file only at the last close (docs/lifetime-and-concurrency.md).
    public void SetLength_OfAPrivateHandleThatPinnedAWaitingTruncation_TruncatesTheFileAtOnce()
    {
        using var own = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });
        using var shared = OpenWritable();

        // The private handle still maps the file's pages, so the shrink waits for it.
        shared.SetLength(0);
        new FileInfo(_path).Length.ShouldBe(2 * Page);

        // Once its own data no longer reaches those pages, nothing pins the truncation any more.
        own.SetLength(0);
        new FileInfo(_path).Length.ShouldBe(0, "the private shrink retried the waiting truncation");
    }

    [Test]
    public void WaitingTruncation_OvertakenByARegrowth_IsDroppedAtTheNextRelease()
    {
        using var shared = OpenWritable();
        Streams.Mapping.FileEntry entry = shared.View.Entry;
        using (MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private }))
        {
            // The private handle maps the file's pages, so the shrink's truncation waits; the regrowth then needs them again.
            shared.SetLength(100);
            entry.PendingTrim.ShouldBeTrue();
            shared.SetLength(2 * Page);
        }

        // With nothing left to cut, no later release, flush or close takes the size lock again for it.
        entry.PendingTrim.ShouldBeFalse("the file is no longer than its data");
        new FileInfo(_path).Length.ShouldBe(2 * Page);
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // Windows truncates a mapped file only at the last close (docs/lifetime-and-concurrency.md).
    public void ReleaseOfADirectView_AfterATruncationThatFailed_RetriesIt()
    {
        using var stream = OpenWritable();
        int failures = 0;
        using (FaultInjection.Install(point => point == FaultPoint.Truncate && failures++ == 0 ? 5 : 0))
        {
            stream.SetLength(Page);
        }

        failures.ShouldBeGreaterThan(0);
        new FileInfo(_path).Length.ShouldBe(2 * Page, "the truncation failed; the data is intact and the trim waits");

        using (stream.ReadDirect(0, 8))
        {
        }

        new FileInfo(_path).Length.ShouldBe(Page, "the release of the view retried the waiting truncation");
    }

    [Test]
    [LinuxOnly("Windows swaps no zero pages in at a shrink: its truncation waits for the last close in any case")]
    public void SetLength_ZeroPagesCannotBeMapped_ShrinksZeroesTheCutBytesAndTruncatesAtTheNextFlush()
    {
        using var stream = OpenWritable();
        using (FaultInjection.Install(point => point == FaultPoint.Map ? 12 : 0))
        {
            stream.SetLength(100);
        }

        stream.Length.ShouldBe(100, "the shrink stands");
        new FileInfo(_path).Length.ShouldBe(2 * Page, "file pages past the new end are still mapped: no truncation under them");
        using (var plain = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            byte[] cut = new byte[(2 * Page) - 100];
            RandomAccess.Read(plain.SafeFileHandle, cut, 100).ShouldBe(cut.Length);
            cut.ShouldAllBe(b => b == 0, "the cut bytes are zeroed in place");
        }

        stream.Flush();
        new FileInfo(_path).Length.ShouldBe(100, "the flush swapped the zero pages in and truncated the file");
    }

    private MappedFileStream OpenWritable() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
}
