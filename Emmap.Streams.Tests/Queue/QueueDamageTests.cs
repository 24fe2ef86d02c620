using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

using Emmap.Streams.TestHost;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// F6 (torn writes), F7 (truncation) and F8 (bit flips) of the crash matrix: damaged files open to a valid state, or throw
/// <see cref="InvalidDataException"/>; never a crash, a hang, an allocation sized by a garbage length, or an altered item.
/// </summary>
[TestFixture]
public sealed class QueueDamageTests
{
    private const int ItemSize = 100;
    private const int RecordSize = 128;
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Open_TruncatedAtEveryOffset_RecoversTheRecordsThatAreWhole()
    {
        // 20 items of 100 bytes at 1024, 1152, ...: item i is whole when the file reaches its payload's end.
        byte[] image = Build(4096, queue =>
        {
            for (int i = 0; i < 20; i++)
            {
                queue.Push(QueueItems.Make(i, ItemSize));
            }
        });
        string path = _dir.File("t.queue");

        foreach (int length in CutLengths(image.Length))
        {
            File.WriteAllBytes(path, image[..length]);
            Exception? error = Catch(() => ReadAll(path, readOnly: length % 2 == 0), out List<long>? ids);

            // Slot A is bytes [0, 128), and the high half of its last word (the checksum's) is always zero: a cut past 124 loses
            // only zeros, which the open reads back as such.
            if (length < 124)
            {
                error.ShouldBeOfType<InvalidDataException>($"length {length}");
                continue;
            }

            error.ShouldBeNull($"length {length}");
            // A record survives if the file still has all of it: bytes past the cut are gone, even where they were zeros.
            int whole = Enumerable.Range(0, 20).TakeWhile(i => 1024 + (i * RecordSize) + 16 + ItemSize <= length).Count();
            ids.ShouldBe(Enumerable.Range(0, whole).Select(i => (long)i), $"length {length}");
        }
    }

    [Test]
    public void Open_FileCutInsideAnItemWhoseLostBytesWereZeros_DropsItAndReadsNothingPastTheEnd([Values] bool readOnly)
    {
        // The item's payload past the cut is all zeros: the checksum of the zeros a restored file reads would match.
        string path = _dir.File("zero-tail.queue");
        byte[] item = new byte[40_000];
        item[0] = 42;
        using (MappedQueue queue = MappedQueue.Open(path, 64 * 1024))
        {
            queue.Push("first"u8);
            queue.Push(item);
        }

        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.SetLength(8192);
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = readOnly });

        reopened.Count.ShouldBe(1);
        reopened.PeekBack().ShouldBe("first"u8.ToArray());
        reopened.Enumerate().Count().ShouldBe(1);
    }

    [Test]
    public void Open_FileCutInsideTheSecondSlotsChecksumWord_RunsOnTheSizeItRestored()
    {
        string path = _dir.File("slot-cut.queue");
        byte[] live;
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            for (int i = 0; i < 20; i++)
            {
                queue.Push(new byte[200]); // grows once to 8 KiB: written to slot B
            }

            queue.GetMetadata().FileSize.ShouldBe(8192);
            live = SharedFile.ReadAllBytes(path); // as a crash leaves it
        }

        // Slot B ends at 640; its checksum word's high half is always zero, so a cut at 636 leaves it valid once zeros fill it.
        File.WriteAllBytes(path, live[..636]);

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        for (int i = 0; i < 40; i++)
        {
            reopened.Push(new byte[200]);
        }

        reopened.GetMetadata().FileSize.ShouldBeLessThanOrEqualTo(new FileInfo(path).Length);
        reopened.Count.ShouldBe(40);
    }

    [TestCase(1L << 44)]
    [TestCase(1L << 33)]
    public void Open_SlotNamingAFileFarLargerThanTheFile_IsRefusedAsDamagedAndLeavesTheFile(long forgedSize)
    {
        string path = _dir.File("forged.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.Push(new byte[100]);
        }

        byte[] bytes = SharedFile.ReadAllBytes(path);
        QueueSlotCodec.TryDecode(bytes.AsSpan(0, 128), out QueueSlot a).ShouldBe(QueueSlotCodec.Problem.None);
        QueueSlotCodec.Problem problemB = QueueSlotCodec.TryDecode(bytes.AsSpan(512, 128), out QueueSlot b);
        QueueSlot newest = problemB == QueueSlotCodec.Problem.None && b.Sequence > a.Sequence ? b : a;
        QueueSlotCodec.Encode(
            newest with { Sequence = newest.Sequence + 1, FileSize = forgedSize, RingSize = QueueLayout.RingSizeFor(forgedSize), Flags = 0, LastItem = 0 },
            bytes.AsSpan(0, 128));
        File.WriteAllBytes(path, bytes);

        Should.Throw<InvalidDataException>(() => MappedQueue.Open(path, 4096).Dispose()).Message.ShouldContain("read-only");
        QueueVerification verdict = MappedQueue.Verify(path);
        verdict.IsQueue.ShouldBeTrue();
        verdict.Problems.ShouldContain(problem => problem.Contains("A writable open throws InvalidDataException", StringComparison.Ordinal));

        SharedFile.ReadAllBytes(path).ShouldBe(bytes);
        using MappedQueue readOnly = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true });
        readOnly.Count.ShouldBe(1);
    }

    [Test]
    public void AsQueue_FileCutShortInAStreamThatCannotGrow_IsRefusedAsDamagedAndLeavesTheFile()
    {
        string path = _dir.File("cut-fixed.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            for (int i = 0; i < 30; i++)
            {
                queue.Push(QueueItems.Make(i, 100)); // grows once to 8 KiB
            }
        }

        byte[] cut = SharedFile.ReadAllBytes(path)[..6144];
        File.WriteAllBytes(path, cut);
        using var stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite, FixedSize = true });

        // The header names 8192 bytes; a fixed-size stream cannot be given them back.
        Should.Throw<InvalidDataException>(() => stream.AsQueue(leaveOpen: true)).Message.ShouldContain("read-only");

        SharedFile.ReadAllBytes(path).ShouldBe(cut);
        using MappedQueue readOnly = stream.AsQueue(new QueueOptions { ReadOnly = true }, leaveOpen: true);
        readOnly.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(0, 30).Select(i => (long)i));
    }

    [Test]
    public void Open_TruncatedWrappedQueue_ReturnsOnlyUnalteredItemsInOrder()
    {
        byte[] image = Build(4096, Wrapped);
        string path = _dir.File("t.queue");
        int opened = 0;
        int tried = 0;

        foreach (int length in CutLengths(image.Length))
        {
            tried++;
            File.WriteAllBytes(path, image[..length]);
            if (Catch(() => ReadAll(path, readOnly: false), out List<long>? ids) is { } error)
            {
                error.ShouldBeOfType<InvalidDataException>($"length {length}");
                continue;
            }

            opened++;
            ids!.ShouldBe(ids!.Order().ToList(), $"length {length}");
            ids!.Distinct().Count().ShouldBe(ids!.Count);
        }

        opened.ShouldBeGreaterThan(tried / 2);
    }

    [Test]
    public void Open_AfterCrash_RecoversItemsOnEitherSideOfTheScansBufferAndLongerThanIt()
    {
        // 10 MiB of records: small ones straddle the scan's 1 MiB reads, and three are longer than its buffer (checked in place).
        int[] sizes = ScanSizes();
        byte[] image = ScanImage(sizes);
        string path = WriteImage(image);

        ReadAll(path, readOnly: true).ShouldBe(Enumerable.Range(0, sizes.Length).Select(i => (long)i));
        ReadAll(path, readOnly: false).ShouldBe(Enumerable.Range(0, sizes.Length).Select(i => (long)i));
    }

    [Test]
    public void Open_AfterCrash_ByteFlippedInAnyRecord_KeepsExactlyTheItemsBeforeIt()
    {
        int[] sizes = ScanSizes();
        byte[] image = ScanImage(sizes);
        var random = new Random(1402);
        int[] damaged = [.. Enumerable.Range(0, 12).Select(_ => random.Next(sizes.Length)), Array.IndexOf(sizes, 3 << 20), sizes.Length - 1];
        foreach (int victim in damaged.Distinct())
        {
            // An item's first 16 bytes (its id, then bytes derived from it) occur nowhere else in the image.
            int payload = image.AsSpan().IndexOf(QueueItems.Make(victim, sizes[victim]).AsSpan(0, 16));
            payload.ShouldBePositive();
            byte[] copy = (byte[])image.Clone();
            copy[payload + random.Next(8, sizes[victim])] ^= 0x20;
            string path = WriteImage(copy);

            ReadAll(path, readOnly: true).ShouldBe(Enumerable.Range(0, victim).Select(i => (long)i), $"item {victim}");
        }
    }

    [Test]
    public void Open_RandomBitFlips_OpenToValidStateOrThrowInvalidData()
    {
        byte[] image = Build(4096, Wrapped);
        List<long> original = ReadAll(WriteImage(image), readOnly: false);
        var random = new Random(8);
        string path = _dir.File("f.queue");
        int invalid = 0;
        int shortened = 0;

        // Fewer under Wine, where each open costs several times as much: the recovery is the same code on every system.
        int trials = TestPlatform.IsWine ? 1000 : 3000;
        for (int trial = 0; trial < trials; trial++)
        {
            byte[] damaged = (byte[])image.Clone();
            int flips = random.Next(1, 4);
            var positions = new List<int>();
            for (int f = 0; f < flips; f++)
            {
                int position = random.Next(2) == 0 ? random.Next(1024) : random.Next(damaged.Length);
                damaged[position] ^= (byte)(1 << random.Next(8));
                positions.Add(position);
            }

            File.WriteAllBytes(path, damaged);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            Exception? error = Catch(() => ReadAll(path, readOnly: trial % 3 == 0), out List<long>? ids);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

            allocated.ShouldBeLessThan(1 << 20, $"trial {trial}: flips at {string.Join(", ", positions)}");
            if (error is not null)
            {
                error.ShouldBeOfType<InvalidDataException>($"trial {trial}: flips at {string.Join(", ", positions)}");
                invalid++;
                continue;
            }

            // Every item returned was pushed, unaltered, in order; damage inside a live record hides it and what follows.
            ids!.ShouldBe(ids!.Order().ToList(), $"trial {trial}");
            ids!.Distinct().Count().ShouldBe(ids!.Count);
            foreach (int position in positions.Where(p => p >= 1024))
            {
                if (LiveRecordAt(image, position) is { } damagedId && position < RecordStart(position) + 16 + ItemSize)
                {
                    ids!.ShouldAllBe(id => id < damagedId, $"trial {trial}: item {damagedId} was damaged at {position}");
                }
            }

            if (ids!.Count < original.Count)
            {
                shortened++;
            }
        }

        TestContext.Out.WriteLine($"{invalid} of {trials} damaged files refused, {shortened} opened with fewer items.");
        invalid.ShouldBeGreaterThan(0);
        shortened.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Open_RecordForgedWithAValidChecksum_NeverHangsNorSizesAnAllocationNorReturnsIt(
        [Values] bool cleanClose, [Values(0u, 0x7FFF_FFFFu, 0xFFFF_FFFFu)] uint skipOrLength)
    {
        // A checksum catches damage, not a forger, who can recompute it. The length field is still never trusted: a marker that
        // skips nothing (a reader that loops on it hangs), one that skips past the tail, and an item longer than the ring all
        // stop the queue there, as damage does.
        byte[] image = Build(4096, queue =>
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, ItemSize));
            }
        });
        if (!cleanClose)
        {
            image = WithoutExactCheckpoint(image);
        }

        uint length = skipOrLength == 0xFFFF_FFFFu ? (uint)QueueLayout.MaxItemLength : QueueLayout.MarkerFlag | skipOrLength;
        int record = 1024 + (5 * RecordSize);
        long stamp = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(record + 8));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(record), length);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(record + 4), QueueChecksum.Record(length, stamp, default));
        string path = WriteImage(image);

        var popped = new List<long>();
        long allocated = 0;
        var run = System.Threading.Tasks.Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using (var queue = MappedQueue.Open(path, 4096))
            {
                try
                {
                    while (queue.Pop() is { } item)
                    {
                        popped.Add(QueueItems.Check(item));
                    }
                }
                catch (InvalidDataException)
                {
                    // Found at the pop when the open took the clean close's checkpoint instead of scanning.
                }
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });

        run.Wait(TimeSpan.FromSeconds(20)).ShouldBeTrue("the queue hung on the forged record");
        popped.ShouldBe(Enumerable.Range(0, 5).Select(i => (long)i));
        allocated.ShouldBeLessThan(1 << 20);
        using var reopened = MappedQueue.Open(path, 4096);
        reopened.Count.ShouldBe(0);
        reopened.Pop().ShouldBeNull();
    }

    [Test]
    public void Pop_RecordDamagedAfterOpen_ThrowsInvalidDataAndKeepsQueue()
    {
        string path = _dir.File("p.queue");
        using var queue = MappedQueue.Open(path, 4096);
        queue.Push(QueueItems.Make(1, ItemSize));
        queue.Push(QueueItems.Make(2, ItemSize));

        // Another handle scribbles over the first item's payload while the queue is open.
        using (var other = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            other.WriteAt(1024 + 16 + 50, [0x5A]);
        }

        Should.Throw<InvalidDataException>(() => queue.Pop());
        Should.Throw<InvalidDataException>(() => queue.PeekFront());
        Should.Throw<InvalidDataException>(() => queue.TryPop(new System.Buffers.ArrayBufferWriter<byte>()));
        Should.Throw<InvalidDataException>(() => queue.TryPop(_ => 0, out _));
        queue.Count.ShouldBe(2);
        QueueItems.Check(queue.PeekBack()).ShouldBe(2);
    }

    [Test]
    public void Open_HotCursorWordsDamaged_FallsBackToCheckpoint()
    {
        string path = _dir.File("h.queue");
        using (var queue = MappedQueue.Open(path, 4096))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, ItemSize));
            }
        }

        // The clean close wrote a checkpoint; now the tail word says something impossible (head past tail).
        using (var stream = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.AtomicWrite(320, -1);
        }

        using var reopened = MappedQueue.Open(path, 4096);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i));
    }

    [Test]
    public void Open_RecoveryTwice_GivesSameState()
    {
        byte[] image = Build(4096, Wrapped);
        image[1024 + 700] ^= 0x10;
        string path = WriteImage(image);

        List<long> first = ReadAll(path, readOnly: false, pop: false);
        byte[] afterFirst = SharedFile.ReadAllBytes(path);
        List<long> second = ReadAll(path, readOnly: false, pop: false);

        second.ShouldBe(first);
        SharedFile.ReadAllBytes(path).AsSpan(1024).SequenceEqual(afterFirst.AsSpan(1024)).ShouldBeTrue();
    }

    [TestCase(Scenario.Push)]
    [TestCase(Scenario.Pop)]
    [TestCase(Scenario.Shrink)]
    public void Open_HeaderTornAt8ByteSteps_OpensToStateBeforeOrAfter(Scenario scenario)
    {
        (byte[] before, byte[] after) = Images(scenario);
        List<long> stateBefore = ReadAll(WriteImage(before), readOnly: true);
        List<long> stateAfter = ReadAll(WriteImage(after), readOnly: true);
        stateBefore.ShouldNotBe(stateAfter);

        for (int k = 0; k <= 1024; k += 8)
        {
            foreach ((string name, byte[] torn) in new[] { ("new then old", Mix(after, before, k)), ("old then new", Mix(before, after, k)) })
            {
                Exception? error = Catch(() => ReadAll(WriteImage(torn), readOnly: false), out List<long>? ids);
                error.ShouldBeNull($"{scenario}, header torn at {k} ({name})");
                (ids!.SequenceEqual(stateBefore) || ids!.SequenceEqual(stateAfter)).ShouldBeTrue(
                    $"{scenario}, header torn at {k} ({name}): [{string.Join(", ", ids!)}]");
            }
        }
    }

    [TestCase(100, 8)]
    [TestCase(3000, 512)]
    [TestCase(9000, 4096)]
    public void Open_PushedRecordTornWithTailCommitted_KeepsEarlierItems(int size, int step)
    {
        byte[] before = Build(65536, queue =>
        {
            for (int i = 0; i < 5; i++)
            {
                queue.Push(QueueItems.Make(i, size));
            }
        });
        byte[] after = Build(65536, queue => queue.Push(QueueItems.Make(5, size)), before);
        List<long> stateBefore = [0, 1, 2, 3, 4];
        long recordStart = 1024 + (5 * (((size + 16 + 15) / 16) * 16));
        int recordLength = 16 + size;

        for (int k = 0; k < recordLength; k += step)
        {
            // Power loss wrote the tail word and only part of the record: the first k bytes are new, the rest old.
            byte[] torn = (byte[])after.Clone();
            Array.Copy(before, recordStart + k, torn, recordStart + k, recordLength - k);
            ReadAll(WriteImage(torn), readOnly: false).ShouldBe(stateBefore, $"record torn at {k}");
        }

        ReadAll(WriteImage(after), readOnly: false).ShouldBe([0, 1, 2, 3, 4, 5]);
    }

    [Test]
    public void Open_GrowthHeaderFlipTornAt8ByteSteps_OpensWithAllItems()
    {
        // The growth's header flip is torn: the slot holds the first k bytes of the new geometry and the rest of the old slot.
        // Everything written before the flip (the extended file, the copied part of the ring) is in place; nothing after it is.
        byte[] start = Build(4096, Wrapped);
        byte[] beforeFlip = StoppedImage(start, "grow.copied", out List<long> items);
        byte[] afterFlip = StoppedImage(start, "flip.written", out _);
        int slot = Enumerable.Range(0, 1024 / 8).Select(i => i * 8).First(i => beforeFlip[i] != afterFlip[i]) / 512 * 512;
        beforeFlip.AsSpan(1024).SequenceEqual(afterFlip.AsSpan(1024)).ShouldBeTrue("only the header differs");

        for (int k = 0; k <= 128; k += 8)
        {
            byte[] torn = (byte[])beforeFlip.Clone();
            Array.Copy(afterFlip, slot, torn, slot, k);
            ReadAll(WriteImage(torn), readOnly: k % 16 == 0).ShouldBe(items, $"slot torn at {k}");
        }
    }

    [TestCase("flip.torn")]
    [TestCase("grow.copying")]
    [TestCase("grow.extended")]
    [TestCase("grow.flipped")]
    public void Open_GrowthStoppedAtPoint_OpensWithAllItems(string point)
    {
        byte[] start = Build(4096, Wrapped);
        byte[] image = StoppedImage(start, point, out List<long> items);

        ReadAll(WriteImage(image), readOnly: false).ShouldBe(items);
    }

    /// <summary>
    /// Opens a copy of <paramref name="start"/>, pushes until the file grows, stops at <paramref name="point"/> inside the growth,
    /// and returns the file's bytes at that moment, with the items the queue held before the push that grew it.
    /// </summary>
    private byte[] StoppedImage(byte[] start, string point, out List<long> items)
    {
        string path = _dir.File($"stopped-{Guid.NewGuid():N}.queue");
        File.WriteAllBytes(path, start);
        var queue = MappedQueue.Open(path, 4096);
        var pushed = queue.Enumerate().Select(item => QueueItems.Check(item)).ToList();
        bool stopped = QueueCrashPointSwitch.StopAt(point, () =>
        {
            for (int i = 0; i < 100; i++)
            {
                queue.Push(QueueItems.Make(1000 + i, ItemSize));
                pushed.Add(1000 + i);
            }
        });
        stopped.ShouldBeTrue($"the pushes never reached {point}");
        items = pushed;
        byte[] image = ReadShared(path);
        queue.Dispose();
        File.Delete(path);
        return image;
    }

    /// <summary>
    /// The lengths to cut an image of <paramref name="imageLength"/> bytes at: every one from 0 to the whole image; under Wine,
    /// where each open costs several times as much, every fifth and the whole image (the recovery is the same code on every
    /// system, and 5 is prime to the record size, so the cuts still fall at every place in a record across the image).
    /// </summary>
    private static IEnumerable<int> CutLengths(int imageLength)
    {
        int step = TestPlatform.IsWine ? 5 : 1;
        for (int length = 0; length < imageLength; length += step)
        {
            yield return length;
        }

        yield return imageLength;
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public enum Scenario
    {
        Push,
        Pop,
        Shrink,
    }

    private (byte[] Before, byte[] After) Images(Scenario scenario)
    {
        byte[] before = Build(4096, Wrapped);
        byte[] after = scenario switch
        {
            Scenario.Push => Build(4096, queue => queue.Push(QueueItems.Make(1000, 40)), before),
            Scenario.Pop => Build(4096, queue => queue.Pop(), before),
            _ => Build(4096, queue =>
            {
                for (int i = 0; i < 40; i++)
                {
                    queue.Push(QueueItems.Make(2000 + i, ItemSize));
                }
            }, before),
        };

        if (scenario == Scenario.Shrink)
        {
            // Before: a grown queue holding one item; after: that item popped and the queue shrunk.
            before = Build(4096, queue =>
            {
                while (queue.Count > 1)
                {
                    queue.Pop();
                }
            }, after);
            after = Build(4096, queue => queue.PopAndPurge(), before);
        }

        // Lengths differ across growth or shrink: the shorter image gets the longer one's bytes past its end (as the file
        // had them when the header was written: grown before the flip, truncated after it).
        int length = Math.Max(before.Length, after.Length);
        return (Extend(before, after, length), Extend(after, before, length));
    }

    private static byte[] Extend(byte[] image, byte[] other, int length)
    {
        if (image.Length == length)
        {
            return image;
        }

        byte[] extended = new byte[length];
        image.CopyTo(extended, 0);
        Array.Copy(other, image.Length, extended, image.Length, length - image.Length);
        return extended;
    }

    /// <summary>Header bytes [0, k) from <paramref name="first"/>, [k, 1024) from <paramref name="second"/>; the rest from the newer image.</summary>
    private static byte[] Mix(byte[] first, byte[] second, int k)
    {
        byte[] torn = (byte[])first.Clone();
        Array.Copy(second, k, torn, k, 1024 - k);
        return torn;
    }

    private static void Wrapped(MappedQueue queue)
    {
        // 100-byte items take 128 bytes; the 3072-byte ring holds 24. Leave the live items wrapping past the ring's end.
        for (int i = 0; i < 20; i++)
        {
            queue.Push(QueueItems.Make(i, ItemSize));
        }

        for (int i = 0; i < 14; i++)
        {
            queue.Pop();
        }

        for (int i = 20; i < 34; i++)
        {
            queue.Push(QueueItems.Make(i, ItemSize));
        }
    }

    /// <summary>The id of the live item whose record covers file offset <paramref name="position"/> in a <see cref="Wrapped"/> image, if any.</summary>
    private static long? LiveRecordAt(byte[] image, int position)
    {
        long head = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(256));
        long tail = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(320));
        int start = RecordStart(position);
        if (start + RecordSize > 4096)
        {
            return null;
        }

        long stamp = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(start + 8));
        return stamp >= head && stamp < tail ? stamp / RecordSize : null;
    }

    // Sizes of the items for the scan's buffer tests: mostly 1-5,000 bytes, with items of 1 MiB - 16 (the longest the buffer
    // takes), 1 MiB and 3 MiB among them.
    private static int[] ScanSizes()
    {
        var random = new Random(20261204);
        var sizes = new List<int>();
        for (long total = 0; total < 10 << 20; total += sizes[^1])
        {
            sizes.Add(sizes.Count switch
            {
                500 => (1 << 20) - 16,
                900 => 1 << 20,
                1300 => 3 << 20,
                _ => random.Next(8, 5000),
            });
        }

        return [.. sizes];
    }

    // A crash image of a queue holding one item of each size, in order, its ids 0, 1, ...
    private byte[] ScanImage(int[] sizes) => Build(1 << 20, queue =>
    {
        for (int i = 0; i < sizes.Length; i++)
        {
            queue.Push(QueueItems.Make(i, sizes[i]));
        }
    });

    private static int RecordStart(int position) => position - ((position - 1024) % RecordSize);

    private byte[] Build(long initialSize, Action<MappedQueue> fill, byte[]? from = null)
    {
        string path = _dir.File($"build-{Guid.NewGuid():N}.queue");
        if (from is not null)
        {
            File.WriteAllBytes(path, from);
        }

        using (var queue = MappedQueue.Open(path, initialSize))
        {
            fill(queue);
        }

        byte[] image = SharedFile.ReadAllBytes(path);
        File.Delete(path);
        return WithoutExactCheckpoint(image);
    }

    /// <summary>
    /// Power loss strikes while a queue is in use, when its header is no clean close's exact checkpoint (which would let an open
    /// take the count without scanning: QueueCheckpointTests). The images here model that: their slots lose the exact flag.
    /// </summary>
    private static byte[] WithoutExactCheckpoint(byte[] image)
    {
        foreach (int offset in new[] { 0, 512 })
        {
            Span<byte> slot = image.AsSpan(offset, 128);
            long flags = BinaryPrimitives.ReadInt64LittleEndian(slot[88..]);
            if ((flags & QueueSlot.ExactFlag) != 0 && QueueSlotCodec.TryDecode(slot, out _) == QueueSlotCodec.Problem.None)
            {
                BinaryPrimitives.WriteInt64LittleEndian(slot[88..], flags & ~QueueSlot.ExactFlag);
                BinaryPrimitives.WriteUInt64LittleEndian(slot[120..], QueueChecksum.Slot(slot));
            }
        }

        return image;
    }

    private string WriteImage(byte[] image)
    {
        string path = _dir.File("image.queue");
        File.WriteAllBytes(path, image);
        return path;
    }

    private static List<long> ReadAll(string path, bool readOnly, bool pop = true)
    {
        using var queue = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = readOnly });
        var ids = queue.Enumerate().Select(item => QueueItems.Check(item)).ToList();
        queue.Count.ShouldBe(ids.Count);
        if (!readOnly && pop)
        {
            var popped = new List<long>();
            while (queue.Pop() is { } item)
            {
                popped.Add(QueueItems.Check(item));
            }

            popped.ShouldBe(ids);
        }

        return ids;
    }

    private static Exception? Catch(Func<List<long>> action, out List<long>? result)
    {
        try
        {
            result = action();
            return null;
        }
        catch (Exception ex)
        {
            result = null;
            return ex;
        }
    }
}
