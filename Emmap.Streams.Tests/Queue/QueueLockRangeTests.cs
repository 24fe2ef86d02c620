using System.IO;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Tests.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A shared queue's byte-range locks and the file's own size and presence locks are taken through the same handle, where
/// locks do not exclude each other: a queue's open lock on the size lock's byte would let a size change and a queue open of
/// one process overlap, and releasing one would release the other. The ranges must not meet.
/// </summary>
[TestFixture]
public sealed class QueueLockRangeTests
{
    [Test]
    public void QueueLocks_StartPastTheFilesSizeAndPresenceLocks()
    {
        QueueLayout.LockBase.ShouldBeGreaterThanOrEqualTo(SharedFileState.LockRangeEnd);
        SharedFileState.LockRangeStart.ShouldBeLessThan(QueueLayout.LockBase);
    }

    [Test]
    public void QueueLocks_OfAQueueInAWindowStayBelowTheLargestLockOffset()
    {
        // A window 1 TiB into a file: its lock bytes, presence reach included, still fit a signed 64-bit offset.
        const long window = 1L << 40;
        long start = QueueLayout.LockBase + (window << 17);
        start.ShouldBeGreaterThan(QueueLayout.LockBase);
        (long.MaxValue - start).ShouldBeGreaterThan(2 + Native.RangeLocks.PresenceReach);
    }

    [Test]
    [LinuxOnly("runs the macOS presence test through the C library's lockf, which sees another descriptor's open-file-description lock as another owner's")]
    public void MacOSPresenceTest_OfAQueueWindow_SeesPresenceBytesButNotTheNextWindowsLocks()
    {
        using var dir = new TempDirectory();
        string path = dir.File("queue");
        File.WriteAllBytes(path, []);
        using SafeFileHandle holder = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        using SafeFileHandle tester = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        // The queue's lock bytes as they lie relative to each other, from a base ext4 can seek to (it refuses offsets past
        // 16 TiB, where QueueLayout.LockBase is; macOS seeks anywhere).
        const long lockBase = 1L << 20;
        long presence = lockBase + 2;

        // The open lock of the queue in the next window of the file, held by "another process" (another descriptor's lock).
        RangeLocks.Lock(holder, lockBase + (1L << 17), shared: false, path);
        RangeLocks.TestMacOS(tester, presence, out bool others).ShouldBe(0);
        others.ShouldBeFalse();

        // The presence byte of the largest macOS process id.
        RangeLocks.Lock(holder, presence + 1 + 99_999, shared: false, path);
        RangeLocks.TestMacOS(tester, presence, out others).ShouldBe(0);
        others.ShouldBeTrue();
    }
}
