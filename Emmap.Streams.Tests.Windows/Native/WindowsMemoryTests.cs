using System;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>Placeholders and views: reserve, split, map a file view, grow in place, swap in zero pages, release.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows10.0.17134")]
public sealed class WindowsMemoryTests
{
    private static readonly int s_granule = (int)WindowsMemory.Granularity;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("mapped.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Granularity_Is64KiB() => s_granule.ShouldBe(65536);

    [Test]
    public void ReservePlaceholder_ThenRelease_TheRangeIsReservedThenFree()
    {
        nuint size = (nuint)(64 * s_granule) * 1024;
        nint address = WindowsMemory.ReservePlaceholder(size);

        MemoryBasicInformation reserved = WindowsMemory.Query(address);
        reserved.State.ShouldBe(WindowsConstants.MemStateReserve);
        reserved.RegionSize.ShouldBe(size);

        WindowsMemory.TryReleasePlaceholder(address).ShouldBeTrue();
        WindowsMemory.Query(address).State.ShouldBe(WindowsConstants.MemStateFree);
    }

    [Test]
    public void MapIntoPlaceholder_SharedView_ShowsTheFileAndWritesReachIt()
    {
        byte[] data = ViewMemory.CreatePatterned(_path, 2 * s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(16 * s_granule));
        try
        {
            MapWholeFile(file, address, 2 * s_granule, ViewProtection.ReadWrite);

            ViewMemory.Bytes(address, data.Length).ToArray().ShouldBe(data);
            WindowsMemory.Query(address).Type.ShouldBe(WindowsConstants.MemTypeMapped);
            WindowsMemory.Query(address + (2 * s_granule)).State.ShouldBe(WindowsConstants.MemStateReserve, "the rest stays a placeholder");

            "written through the view"u8.CopyTo(ViewMemory.Bytes(address + 1000, 24));
            ViewMemory.ReadFile(_path, 1000, 24).ShouldBe("written through the view"u8.ToArray());
        }
        finally
        {
            Release(address, 16 * s_granule, views: [address]);
        }
    }

    [Test]
    public void MapIntoPlaceholder_CopyOnWriteView_WritesStayInThisMapping()
    {
        byte[] data = ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint privateView = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        nint sharedView = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        try
        {
            MapWholeFile(file, privateView, s_granule, ViewProtection.CopyOnWrite);
            MapWholeFile(file, sharedView, s_granule, ViewProtection.ReadWrite);

            "private"u8.CopyTo(ViewMemory.Bytes(privateView + 100, 7));

            ViewMemory.Bytes(privateView + 100, 7).ToArray().ShouldBe("private"u8.ToArray());
            ViewMemory.Bytes(sharedView + 100, 7).ToArray().ShouldBe(data.AsSpan(100, 7).ToArray());
            ViewMemory.ReadFile(_path, 100, 7).ShouldBe(data.AsSpan(100, 7).ToArray());
        }
        finally
        {
            Release(privateView, 2 * s_granule, views: [privateView]);
            Release(sharedView, 2 * s_granule, views: [sharedView]);
        }
    }

    [Test]
    public void MapIntoPlaceholder_CopyOnWriteOfAReadOnlyHandle_IsWritableAndLeavesTheFileAlone()
    {
        byte[] data = ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path, FileAccess.Read);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        try
        {
            MapWholeFile(file, address, s_granule, ViewProtection.CopyOnWrite);

            Interlocked.Add(ref ViewMemory.Cell(address, 64), 5);

            ViewMemory.Bytes(address, 8).ToArray().ShouldBe(data.AsSpan(0, 8).ToArray());
            ViewMemory.ReadFile(_path, 64, 8).ShouldBe(data.AsSpan(64, 8).ToArray());
            ViewMemory.Cell(address, 64).ShouldBe(BitConverter.ToInt64(data, 64) + 5);
        }
        finally
        {
            Release(address, 2 * s_granule, views: [address]);
        }
    }

    [Test]
    public void MapIntoPlaceholder_AdjacentViewOfALargerSection_GrowsInPlaceWithTheDataIntact()
    {
        byte[] data = ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(16 * s_granule));
        nint grown = address + s_granule;
        try
        {
            MapWholeFile(file, address, s_granule, ViewProtection.ReadWrite);

            WindowsFile.Grow(file, s_granule, 3 * s_granule, _path);
            using (SafeMemoryMappedFileHandle larger = FileSections.ForFile(file, 3 * s_granule, ViewProtection.ReadWrite, _path))
            {
                WindowsMemory.SplitPlaceholder(grown, (nuint)(2 * s_granule));
                WindowsMemory.MapIntoPlaceholder(larger, grown, (nuint)(2 * s_granule), s_granule, ViewProtection.ReadWrite, _path);
            }

            ViewMemory.Bytes(address, s_granule).ToArray().ShouldBe(data, "the first view still shows the file at the same base");
            ViewMemory.Bytes(grown, 2 * s_granule).ToArray().ShouldAllBe(b => b == 0);

            // One copy across the boundary between the two views: the address range is contiguous.
            "across the views"u8.CopyTo(ViewMemory.Bytes(grown - 8, 16));
            ViewMemory.ReadFile(_path, s_granule - 8, 16).ShouldBe("across the views"u8.ToArray());
            RandomAccess.GetLength(file).ShouldBe(3 * s_granule);
        }
        finally
        {
            Release(address, 16 * s_granule, views: [address, grown]);
        }
    }

    [Test]
    public void MapIntoPlaceholder_FileShorterThanAGranule_MapsItsPagesAndZeroPagesFollow()
    {
        // A read-only file of 5,000 bytes: its section ends there, so its view covers two pages, in a placeholder split
        // at page (not allocation) granularity; zero pages fill the rest of the first granule.
        const int Length = 5000;
        const int Pages = 8192;
        byte[] data = ViewMemory.CreatePatterned(_path, Length);
        using SafeFileHandle file = ViewMemory.Open(_path, FileAccess.Read);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        try
        {
            WindowsMemory.SplitPlaceholder(address, Pages);
            using (SafeMemoryMappedFileHandle section = FileSections.ForFile(file, Length, ViewProtection.CopyOnWrite, _path))
            {
                Should.Throw<IOException>(
                    () => WindowsMemory.MapIntoPlaceholder(section, address, Pages, 0, ViewProtection.CopyOnWrite, _path),
                    "a view may not be longer than its section");
                WindowsMemory.MapIntoPlaceholder(section, address, Length, 0, ViewProtection.CopyOnWrite, _path);
            }

            WindowsMemory.SplitPlaceholder(address + Pages, (nuint)(s_granule - Pages));
            WindowsMemory.MapZerosIntoPlaceholder(address + Pages, (nuint)(s_granule - Pages));

            WindowsMemory.Query(address).RegionSize.ShouldBe((nuint)Pages);
            ViewMemory.Bytes(address, Length).ToArray().ShouldBe(data);
            ViewMemory.Bytes(address + Length, s_granule - Length).ToArray().ShouldAllBe(b => b == 0);

            WindowsMemory.UnmapToPlaceholder(address);
            WindowsMemory.UnmapZerosToPlaceholder(address + Pages, (nuint)(s_granule - Pages));
        }
        finally
        {
            Release(address, 2 * s_granule, views: []);
        }
    }

    [Test]
    public void MapIntoPlaceholder_PastTheEndOfTheSection_ThrowsIOException()
    {
        ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(4 * s_granule));
        try
        {
            WindowsMemory.SplitPlaceholder(address, (nuint)(2 * s_granule));
            using SafeMemoryMappedFileHandle section = FileSections.ForFile(file, s_granule, ViewProtection.ReadWrite, _path);

            Should.Throw<IOException>(() =>
                WindowsMemory.MapIntoPlaceholder(section, address, (nuint)(2 * s_granule), 0, ViewProtection.ReadWrite, _path));
            WindowsMemory.Query(address).State.ShouldBe(WindowsConstants.MemStateReserve, "the placeholder is left as it was");
        }
        finally
        {
            Release(address, 4 * s_granule, views: []);
        }
    }

    [Test]
    public void UnmapToPlaceholder_ThenMapZeros_TheRangeReadsZerosAndTheFileKeepsItsData()
    {
        byte[] data = ViewMemory.CreatePatterned(_path, 2 * s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(4 * s_granule));
        try
        {
            MapWholeFile(file, address, 2 * s_granule, ViewProtection.ReadWrite);

            WindowsMemory.UnmapToPlaceholder(address);
            MemoryBasicInformation between = WindowsMemory.Query(address);
            between.State.ShouldBe(WindowsConstants.MemStateReserve, "between the two calls the range is a placeholder: an access would fault");
            between.RegionSize.ShouldBe((nuint)(2 * s_granule));

            WindowsMemory.MapZerosIntoPlaceholder(address, (nuint)(2 * s_granule));
            WindowsMemory.Query(address).Type.ShouldBe(WindowsConstants.MemTypePrivate);
            ViewMemory.Bytes(address, 2 * s_granule).ToArray().ShouldAllBe(b => b == 0);

            "zero page"u8.CopyTo(ViewMemory.Bytes(address, 9));
            ViewMemory.ReadFile(_path, 0, 2 * s_granule).ShouldBe(data);

            WindowsMemory.UnmapZerosToPlaceholder(address, (nuint)(2 * s_granule));
            WindowsMemory.Query(address).State.ShouldBe(WindowsConstants.MemStateReserve);
        }
        finally
        {
            Release(address, 4 * s_granule, views: []);
        }
    }

    [Test]
    public void CoalescePlaceholders_AfterViewsAndZerosAreTakenOut_ReleasesTheWholeReservation()
    {
        ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(8 * s_granule));

        MapWholeFile(file, address, s_granule, ViewProtection.ReadWrite);
        WindowsMemory.SplitPlaceholder(address + s_granule, (nuint)s_granule);
        WindowsMemory.MapZerosIntoPlaceholder(address + s_granule, (nuint)s_granule);

        WindowsMemory.UnmapToPlaceholder(address);
        WindowsMemory.UnmapZerosToPlaceholder(address + s_granule, (nuint)s_granule);
        WindowsMemory.CoalescePlaceholders(address, (nuint)(8 * s_granule));

        WindowsMemory.Query(address).RegionSize.ShouldBe((nuint)(8 * s_granule), "one placeholder again");
        WindowsMemory.TryReleasePlaceholder(address).ShouldBeTrue();
        WindowsMemory.Query(address).State.ShouldBe(WindowsConstants.MemStateFree);
    }

    [Test]
    public void Flush_ViewThenFileBuffers_TheWriteIsInTheFile()
    {
        ViewMemory.CreatePatterned(_path, s_granule);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint address = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        try
        {
            MapWholeFile(file, address, s_granule, ViewProtection.ReadWrite);
            "durable"u8.CopyTo(ViewMemory.Bytes(address + 4000, 7));

            WindowsMemory.Flush(address + 4000, 7, _path);
            WindowsFile.FlushToDisk(file, _path);

            ViewMemory.ReadFile(_path, 4000, 7).ShouldBe("durable"u8.ToArray());
        }
        finally
        {
            Release(address, 2 * s_granule, views: [address]);
        }
    }

    [Test]
    public void Interlocked_OnAView_IsSeenThroughAnotherViewOfTheFile()
    {
        File.WriteAllBytes(_path, new byte[s_granule]);
        using SafeFileHandle file = ViewMemory.Open(_path);
        nint first = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        nint second = WindowsMemory.ReservePlaceholder((nuint)(2 * s_granule));
        try
        {
            MapWholeFile(file, first, s_granule, ViewProtection.ReadWrite);
            MapWholeFile(file, second, s_granule, ViewProtection.ReadWrite);

            Interlocked.Add(ref ViewMemory.Cell(first, 8), 41).ShouldBe(41);
            Interlocked.Increment(ref ViewMemory.Cell(second, 8)).ShouldBe(42);
            Interlocked.CompareExchange(ref ViewMemory.Cell(first, 8), 100, 42).ShouldBe(42);

            Volatile.Read(ref ViewMemory.Cell(second, 8)).ShouldBe(100);
            BitConverter.ToInt64(ViewMemory.ReadFile(_path, 8, 8)).ShouldBe(100);
        }
        finally
        {
            Release(first, 2 * s_granule, views: [first]);
            Release(second, 2 * s_granule, views: [second]);
        }
    }

    private void MapWholeFile(SafeFileHandle file, nint address, int length, ViewProtection protection)
    {
        WindowsMemory.SplitPlaceholder(address, (nuint)length);
        using SafeMemoryMappedFileHandle section = FileSections.ForFile(file, length, protection, _path);
        WindowsMemory.MapIntoPlaceholder(section, address, (nuint)length, 0, protection, _path);
    }

    private static void Release(nint address, int reserved, nint[] views)
    {
        foreach (nint view in views)
        {
            WindowsMemory.UnmapToPlaceholder(view);
        }

        if (WindowsMemory.Query(address).RegionSize != (nuint)reserved)
        {
            WindowsMemory.CoalescePlaceholders(address, (nuint)reserved);
        }

        WindowsMemory.TryReleasePlaceholder(address).ShouldBeTrue();
    }
}
