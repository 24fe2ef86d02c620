using System;
using System.Globalization;
using System.IO;
using Emmap.Streams.Mapping;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// Where a mapping's address reservation lies on Unix: its file pages start on a 1 GiB boundary and the reservation covers
/// whole 1 GiB spans, so no other mapping of the process shares a page-table page with them; and closing gives back every
/// byte reserved, the slack that aligned the base included.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RegionPlacementTests
{
    private const long Span = 1L << 30;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("placement.bin");
        File.WriteAllBytes(_path, new byte[64 * 1024]);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [LinuxOnly("Windows reserves 64 MiB placeholders and has no such alignment")]
    public unsafe void Open_OnUnix_PutsTheFileAtTheStartOfWhole1GiBSpansOfItsOwn()
    {
        using var first = MappedFileStream.Open(_path);
        using var second = MappedFileStream.Open(_path, 4096, 4096);
        using var writable = MappedFileStream.Open(_directory.File("other.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 3 << 20 });

        foreach (MappedFileStream stream in new[] { first, second, writable })
        {
            Region region = stream.View.State.Region;
            ((ulong)region.Base % Span).ShouldBe(0UL, "the file's first page starts a span");
            ((ulong)region.Reserved % Span).ShouldBe(0UL, "the reservation ends on a span's end");
        }
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps")]
    public void Finalize_OfClosedStreams_GivesBackEveryReservedByte()
    {
        const int Streams = 32;
        byte[] buffer = new byte[8];
        Collect();
        long before = MappedAddressSpace();

        for (int i = 0; i < Streams; i++)
        {
            using var stream = MappedFileStream.Open(_path);
            stream.ReadAt(0, buffer).ShouldBe(buffer.Length);
        }

        Collect();
        long grown = MappedAddressSpace() - before;

        // Each stream reserved 2 GiB: 1 GiB and the span of slack that aligned it. Leaking the slack would leave 32 GiB; the
        // last reservation or two may still be reachable from the process's caches.
        grown.ShouldBeLessThanOrEqualTo(4 * Span, $"{grown} bytes of address space are still mapped after {Streams} streams were closed and finalized");
    }

    private static void Collect()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    // The bytes of address space this process has mapped or reserved, from /proc/self/maps.
    private static long MappedAddressSpace()
    {
        long total = 0;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string range = line.Split(' ', 2)[0];
            int dash = range.IndexOf('-', StringComparison.Ordinal);
            total += long.Parse(range[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                - long.Parse(range[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return total;
    }
}
