using System;
using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Mapping;

/// <summary>The Windows region: views grown in place at the same base, zero pages after them, and a release that frees it all.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows10.0.17134")]
public sealed unsafe class RegionWindowsTests
{
    private static readonly int s_granule = (int)WindowsMemory.Granularity;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("region.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void MapFileTo_GrowsInPlaceThenReleaseNow_FreesEveryPieceAndLetsTheFileBeTruncated()
    {
        byte[] data = ViewMemory.CreatePatterned(_path, 3 * s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        Region region = Region.Reserve(s_granule, 0, shared: true);

        region.MapFileTo(s_granule, file, _path);
        region.CanMapFileTo(3 * s_granule).ShouldBeTrue("the first view ends on the 64 KiB grid");
        region.MapFileTo(3 * s_granule, file, _path);
        region.MapZerosTo(4 * s_granule, _path);

        ViewMemory.Bytes((nint)region.Base, data.Length).ToArray().ShouldBe(data);
        ViewMemory.Bytes((nint)region.Base + data.Length, s_granule).ToArray().ShouldAllBe(b => b == 0);
        WindowsFile.TrySetEndOfFile(file, 100).ShouldBe(1224, "a mapped file cannot be cut below its views");

        region.ReleaseNow();

        WindowsMemory.Query((nint)region.Base).State.ShouldBe(WindowsConstants.MemStateFree);
        WindowsMemory.Query((nint)region.Base + (3 * s_granule)).State.ShouldBe(WindowsConstants.MemStateFree);
        WindowsFile.TrySetEndOfFile(file, 100).ShouldBe(0);
    }

    [Test]
    public void MapFileTo_FailedAndItsPieceCouldNotBeJoinedBack_TheNextGrowthMovesAndReleaseNowFreesTheWholeReservation()
    {
        ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path, FileAccess.Read);
        Region region = Region.Reserve(s_granule, 0, shared: true);

        // A shared region maps read-write views, which a read-only handle cannot give: the map fails after the split, and
        // the piece it split off cannot be joined back either.
        using (FaultInjection.Install(point => point == FaultPoint.Coalesce ? 5 : 0))
        {
            Should.Throw<IOException>(() => region.MapFileTo(s_granule, file, _path));
        }

        region.CanMapFileTo(s_granule).ShouldBeFalse("the rest of the reservation is in two pieces: a growth must move to a new region");
        region.ReleaseNow();

        for (nuint at = 0; at < region.Reserved;)
        {
            MemoryBasicInformation info = WindowsMemory.Query((nint)region.Base + (nint)at);
            info.State.ShouldBe(WindowsConstants.MemStateFree, $"the reservation's byte {at} is still reserved after the release");
            at += info.RegionSize;
        }
    }

    [Test]
    public void CanMapFileTo_AfterAViewThatEndsOffTheGrid_IsFalse()
    {
        ViewMemory.CreatePatterned(_path, 5000);
        using SafeFileHandle file = ViewMemory.Open(_path, FileAccess.Read);
        Region region = Region.Reserve(5000, 0, shared: false);

        region.MapFileTo(5000, file, _path);

        region.MappedFileEnd.ShouldBe(5000);
        region.CanMapFileTo(5000).ShouldBeTrue();
        region.CanMapFileTo(8000).ShouldBeFalse("the next view would have to start at 5000");
        region.ReleaseNow();
    }

    [Test]
    public void ReleaseNow_AfterTheHandleClosedWithAViewStillMapped_TheHandlesLocksWentWithTheHandle()
    {
        const long Presence = (1L << 62) + 64;
        long ownByte = Presence + 1 + Environment.ProcessId;
        ViewMemory.CreatePatterned(_path, s_granule);
        Region region = Region.Reserve(s_granule, 0, shared: true);
        using (SafeFileHandle first = ViewMemory.Open(_path))
        {
            RangeLocks.RegisterPresence(first, Presence, _path);
            region.MapFileTo(s_granule, first, _path);
        }

        using SafeFileHandle second = ViewMemory.Open(_path);
        WindowsFile.TryLock(second, ownByte, 1, exclusive: true, _path).ShouldBeTrue("a view keeps the file open, not the closed handle's locks");
        region.ReleaseNow();
    }
}
