using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Counters;

/// <summary>The counter file format, checked byte by byte against emmap-spec.md §5.2, and every way a header can be bad.</summary>
[TestFixture]
public sealed class MappedCountersFileFormatTests
{
    private static readonly byte[] s_magic = [0x45, 0x4D, 0x4D, 0x41, 0x50, 0x30, 0x31, 0x0A];

    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("counters.bin");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    public static IEnumerable<TestCaseData> BadFiles()
    {
        yield return Case("empty file", []);
        yield return Case("magic only", s_magic);
        yield return Case("header cut at 15 bytes", Header(s_magic, 2)[..15]);
        yield return Case("other version EMMAP02 (emmap accepts EMMAP??\\n)", [.. "EMMAP02\n"u8, .. Count(2), .. new byte[16]]);
        yield return Case("other letters EMMAPxy (emmap accepts EMMAP??\\n)", [.. "EMMAPxy\n"u8, .. Count(2), .. new byte[16]]);
        yield return Case("lower-case magic", [.. "emmap01\n"u8, .. Count(2), .. new byte[16]]);
        yield return Case("magic without the newline", [.. "EMMAP01 "u8, .. Count(2), .. new byte[16]]);
        yield return Case("all zeros, size of 2 counters (emmap re-initialises)", new byte[32]);
        yield return Case("24 bytes of garbage (emmap re-initialises)", Enumerable.Range(1, 24).Select(i => (byte)(i * 37)).ToArray());
        yield return Case("text file of the right size", [.. "counter file? no, just a text\n\n\n"u8]);
        yield return Case("count 2, one slot missing", [.. Header(s_magic, 2), .. new byte[8]]);
        yield return Case("count 2, three slots", [.. Header(s_magic, 2), .. new byte[24]]);
        yield return Case("count 2, one stray byte after the slots", [.. Header(s_magic, 2), .. new byte[17]]);
        yield return Case("count 0 but one slot", [.. Header(s_magic, 0), .. new byte[8]]);
        yield return Case("count 2^40 in a 32-byte file", [.. s_magic, .. Count(1L << 40), .. new byte[16]]);
        yield return Case("count above long.MaxValue", [.. s_magic, .. Enumerable.Repeat((byte)0xFF, 8), .. new byte[16]]);
        yield return Case("count above int.MaxValue", [.. s_magic, .. Count(1L + int.MaxValue), .. new byte[16]]);
    }

    /// <summary>The bad files a stream can map that are not blank (AsCounters formats an all-zero block by design).</summary>
    public static IEnumerable<TestCaseData> MappableNonBlankBadFiles() =>
        BadFiles().Where(data => data.Arguments[0] is byte[] content && content.Any(b => b != 0));

    [Test]
    public void Open_FileLaidDownFromTheSpec_ReadsEveryValue()
    {
        byte[] file = [.. s_magic, .. Count(3), .. Slot(15), .. Slot(-1), .. Slot(long.MinValue)];
        File.WriteAllBytes(_path, file);

        using var counters = MappedCounters.Open(_path, 3);

        counters.Count.ShouldBe(3);
        counters.Read(0).ShouldBe(15);
        counters.Read(1).ShouldBe(-1);
        counters.Read(2).ShouldBe(long.MinValue);
    }

    [Test]
    public void Increment_FileLaidDownFromTheSpec_ChangesExactlyThatSlotsBytes()
    {
        byte[] file = [.. s_magic, .. Count(3), .. Slot(15), .. Slot(-1), .. Slot(7)];
        File.WriteAllBytes(_path, file);

        using (var counters = MappedCounters.Open(_path, 0))
        {
            counters.Increment(1, 0x101).ShouldBe(-1);
        }

        SharedFile.ReadAllBytes(_path).ShouldBe([.. s_magic, .. Count(3), .. Slot(15), .. Slot(0x100), .. Slot(7)]);
    }

    [Test]
    public void Open_NewFileAfterReadmeSequence_HasExactlyTheSpecsBytes()
    {
        using (var f = MappedCounters.Open(_path, 2))
        {
            f.Increment(0);
            f.Increment(0, 5);
            f.Increment(0);
            f.Increment(0, 2);
            f.Set(0, 15);
        }

        // emmap-spec.md §5.2, verified on emmap: "EMMAP01\n", 2:64/little, 15:64/native, 0:64.
        SharedFile.ReadAllBytes(_path).ShouldBe(
        [
            0x45, 0x4D, 0x4D, 0x41, 0x50, 0x30, 0x31, 0x0A,
            0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x0F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]);
    }

    [Test]
    public void Open_NewFile_IsHeaderThenZeroSlots([Values(1, 7, 1000)] int count)
    {
        using (MappedCounters.Open(_path, count))
        {
        }

        byte[] bytes = SharedFile.ReadAllBytes(_path);
        bytes.Length.ShouldBe(16 + (8 * count));
        bytes[..8].ShouldBe(s_magic);
        BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)).ShouldBe((ulong)count);
        bytes[16..].ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Open_FileWithZeroCounters_OpensWithNoCounters()
    {
        File.WriteAllBytes(_path, Header(s_magic, 0));

        using var counters = MappedCounters.Open(_path, 0);

        counters.Count.ShouldBe(0);
        Should.Throw<ArgumentOutOfRangeException>(() => counters.Read(0));
    }

    [TestCaseSource(nameof(BadFiles))]
    public void Open_BadFile_ThrowsInvalidDataAndLeavesFileUntouched(byte[] content)
    {
        File.WriteAllBytes(_path, content);
        DateTime modified = File.GetLastWriteTimeUtc(_path);

        foreach (int count in new[] { 0, 2 })
        {
            Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, count)).Message.ShouldContain(_path);
            Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, count, new MappedCountersOptions { Access = FileAccess.Read }));
        }

        SharedFile.ReadAllBytes(_path).ShouldBe(content);
        File.GetLastWriteTimeUtc(_path).ShouldBe(modified);
        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { _path });
    }

    [TestCaseSource(nameof(MappableNonBlankBadFiles))]
    public void AsCounters_BadNonBlankStream_ThrowsInvalidDataAndLeavesFileUntouched(byte[] content)
    {
        File.WriteAllBytes(_path, content);

        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            Should.Throw<InvalidDataException>(() => stream.AsCounters(2, leaveOpen: true));
            Should.Throw<InvalidDataException>(() => stream.AsCounters(0, leaveOpen: true));
        }

        SharedFile.ReadAllBytes(_path).ShouldBe(content);
    }

    [Test]
    public void Open_BadMagic_NamesTheBytesFound()
    {
        File.WriteAllBytes(_path, [.. "EMMAP02\n"u8, .. Count(1), .. new byte[8]]);

        Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, 1)).Message.ShouldContain("454D4D415030320A");
    }

    [Test]
    public void Open_SizeNotMatchingCount_SaysWhatSizeWasExpected()
    {
        File.WriteAllBytes(_path, [.. Header(s_magic, 2), .. new byte[8]]);

        Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, 2)).Message.ShouldContain("must have 32 bytes, but it has 24");
    }

    [Test]
    public void Open_BadFileAndDifferentCount_ReportsTheBadFileFirst()
    {
        File.WriteAllBytes(_path, new byte[40]);

        Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, 2));
    }

    private static TestCaseData Case(string name, byte[] content) => new TestCaseData(content).SetArgDisplayNames(name);

    private static byte[] Header(byte[] magic, long count) => [.. magic, .. Count(count)];

    private static byte[] Count(long count)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, count);
        return bytes;
    }

    private static byte[] Slot(long value) => Count(value);
}
