using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using CsCheck;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The record checksum is the standard CRC32C (Castagnoli, reflected, initial value and final complement all ones) of the
/// record's length field, stamp and payload, little-endian (docs/queue-format.md). The library computes it eight bytes per
/// instruction; these tests hold it to a bit-at-a-time reference, so a faster computation can never change the file format.
/// </summary>
[TestFixture]
public sealed class QueueChecksumTests
{
    private static readonly Gen<(uint Field, long Stamp, byte[] Payload)> s_record =
        Gen.Select(Gen.UInt, Gen.Long, Gen.Byte.Array[0, 300]);

    [Test]
    public void Reference_StandardCheckValue()
    {
        // The check value every CRC-32C implementation publishes, so the reference itself is the standard one.
        Reference("123456789"u8).ShouldBe(0xE3069283u);
    }

    [Test]
    public void Record_AnyLengthFieldStampAndPayload_EqualsReference()
    {
        Check.Sample(
            s_record,
            r => QueueChecksum.Record(r.Field, r.Stamp, r.Payload).ShouldBe(Reference(Concatenate(r.Field, r.Stamp, r.Payload))),
            iter: 2000);
    }

    [Test]
    public void Push_WritesRecordWhoseChecksumIsTheStandardCrc32C()
    {
        using var dir = new TempDirectory();
        string path = dir.File("format.queue");
        byte[] item = Enumerable.Range(0, 64).Select(i => (byte)(i * 7 + 3)).ToArray();
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.Push(item);
        }

        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> record = file.AsSpan((int)QueueLayout.RingStart);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(record);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
        long stamp = BinaryPrimitives.ReadInt64LittleEndian(record[8..]);
        length.ShouldBe(64u);
        record.Slice(QueueLayout.RecordHeaderSize, 64).ToArray().ShouldBe(item);
        stored.ShouldBe(Reference(Concatenate(length, stamp, item)));
    }

    [Test]
    public void Dispose_WritesTheCleanCloseSlotWordByWordAsTheFormatSays()
    {
        using var dir = new TempDirectory();
        string path = dir.File("format.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.Push(new byte[10]);
            queue.Push(new byte[100]);
            queue.Push([]);
            queue.Pop();
        }

        // Creation wrote slot A (sequence 1); the close writes the inactive slot B, in the second 512-byte sector.
        byte[] file = File.ReadAllBytes(path);
        long[] a = Words(file, 0);
        long[] b = Words(file, 512);
        long[] expected =
        [
            0x3145_5545_5551_4D45, // "EMQUEUE1"
            1L | (1024L << 32), // version 1, header size 1024
            2, // sequence
            4096, // file size
            1024, // ring start
            3072, // ring size
            0, // base
            32, // checkpoint head: past the 10-byte item's 32-byte record
            32 + 128 + 16, // checkpoint tail: then a 128-byte and a 16-byte record
            2, // count
            4096, // initial size
            3, // flags: clean close, exact checkpoint
            32 + 128, // last item
            0,
            0,
        ];
        b[..15].ShouldBe(expected);
        b[15].ShouldBe((long)Reference(file.AsSpan(512, 120)), "the checksum is the CRC32C of words 0-14, its high half zero");
        file.AsSpan(0, 8).ToArray().ShouldBe("EMQUEUE1"u8.ToArray());
        a[2].ShouldBe(1);
        a[7].ShouldBe(0);
        a[8].ShouldBe(0);
        a[11].ShouldBe(1, "the slot creation writes: flags say clean, not exact");
        a[15].ShouldBe((long)Reference(file.AsSpan(0, 120)));
    }

    [Test]
    public void Push_ThatDoesNotFitBeforeTheRingsEnd_WritesASkipMarkerOfTheFormatsBytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("format.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { FixedSize = true }))
        {
            // 23 records of 128 bytes end 128 bytes before the end of the 3072-byte ring; a 224-byte record does not fit there.
            for (int i = 0; i < 23; i++)
            {
                queue.Push(new byte[100]);
            }

            for (int i = 0; i < 22; i++)
            {
                queue.Pop();
            }

            queue.Push(new byte[200]);
            queue.GetMetadata().Tail.ShouldBe(2944 + 128 + 224);
        }

        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> marker = file.AsSpan(1024 + 2944, 16);
        uint field = BinaryPrimitives.ReadUInt32LittleEndian(marker);
        field.ShouldBe(0x8000_0000u | (128 / 16));
        BinaryPrimitives.ReadInt64LittleEndian(marker[8..]).ShouldBe(2944);
        BinaryPrimitives.ReadUInt32LittleEndian(marker[4..]).ShouldBe(Reference(Concatenate(field, 2944, [])));
        ReadOnlySpan<byte> record = file.AsSpan(1024, 16);
        BinaryPrimitives.ReadUInt32LittleEndian(record).ShouldBe(200u);
        BinaryPrimitives.ReadInt64LittleEndian(record[8..]).ShouldBe(3072, "the record at the ring start has the position after the marker");
    }

    [TestCase(-1, 0, 2, TestName = "{m}(as laid down)")]
    [TestCase(1, 2L | (1024L << 32), 2, TestName = "{m}(version 2)")]
    [TestCase(1, 3L | (1024L << 32), 0, TestName = "{m}(version 3: refused)")]
    [TestCase(1, 1L | (512L << 32), 0, TestName = "{m}(header size 512: refused)")]
    [TestCase(2, 6, 0, TestName = "{m}(a smaller sequence than slot A's)")]
    [TestCase(4, 2048, 0, TestName = "{m}(ring start 2048: refused)")]
    [TestCase(9, 18, 2, TestName = "{m}(count at (tail - head) / 16: the scan counts again)")]
    [TestCase(9, 19, 0, TestName = "{m}(count above (tail - head) / 16: refused)")]
    [TestCase(10, 2048, 0, TestName = "{m}(initial size below 4096: refused)")]
    [TestCase(10, 8192, 0, TestName = "{m}(initial size above the file size: refused)")]
    public void Open_FileLaidDownFromTheFormat_TakesTheNewestValidSlotAndPopsItsItems(int word, long value, int items)
    {
        // A wrapped queue, byte by byte from docs/queue-format.md: a 100-byte item 256 bytes before the ring's end, a skip
        // marker over the last 128 bytes, and a 5-byte item at the ring start. Slot B (sequence 8) describes it, with one word
        // changed; slot A (sequence 7) is an empty queue of another geometry (base 8), under which the cursor words are not on
        // record boundaries, so an open that takes slot A finds no item.
        byte[] file = new byte[4096];
        long[] queueSlot = [0x3145_5545_5551_4D45, 1L | (1024L << 32), 8, 4096, 1024, 3072, 0, 2816, 3104, 2, 4096, 0, 0, 0, 0];
        long[] emptySlot = [0x3145_5545_5551_4D45, 1L | (1024L << 32), 7, 4096, 1024, 3072, 8, 8, 8, 0, 4096, 1, 0, 0, 0];
        if (word >= 0)
        {
            queueSlot[word] = value;
        }

        WriteSlot(file, 0, emptySlot);
        WriteSlot(file, 512, queueSlot);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(256), 2816);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(320), 3104);
        byte[] first = Enumerable.Range(0, 100).Select(i => (byte)(i + 1)).ToArray();
        byte[] second = "fifth"u8.ToArray();
        WriteRecord(file, 1024 + 2816, 100, 2816, first);
        WriteRecord(file, 1024 + 2944, 0x8000_0000u | 8, 2944, []);
        WriteRecord(file, 1024, 5, 3072, second);
        using var dir = new TempDirectory();
        string path = dir.File("laid-down.queue");
        File.WriteAllBytes(path, file);

        using MappedQueue queue = MappedQueue.Open(path, 4096);

        queue.Count.ShouldBe(items);
        if (items == 2)
        {
            queue.Pop().ShouldBe(first);
            queue.Pop().ShouldBe(second);
        }

        queue.Pop().ShouldBeNull();
    }

    [TestCase("no magic", "is not an Emmap.Streams queue")]
    [TestCase("version 3", "a format version this library does not read")]
    [TestCase("bad checksum", "is damaged beyond recovery")]
    public void Open_NoValidSlot_ThrowsInvalidDataSayingWhyAndLeavesTheFile(string slotA, string message)
    {
        // Slot B is all zeros (no magic); slot A is what the case says.
        byte[] file = new byte[4096];
        long[] words = [0x3145_5545_5551_4D45, 1L | (1024L << 32), 1, 4096, 1024, 3072, 0, 0, 0, 0, 4096, 1, 0, 0, 0];
        if (slotA == "no magic")
        {
            words[0] = BinaryPrimitives.ReadInt64LittleEndian("EMQUEUE0"u8);
        }
        else if (slotA == "version 3")
        {
            words[1] = 3L | (1024L << 32);
        }

        WriteSlot(file, 0, words);
        if (slotA == "bad checksum")
        {
            file[120] ^= 1;
        }

        using var dir = new TempDirectory();
        string path = dir.File("no-slot.queue");
        File.WriteAllBytes(path, file);

        Should.Throw<InvalidDataException>(() => MappedQueue.Open(path, 4096)).Message.ShouldContain(message);
        Should.Throw<InvalidDataException>(() => MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true })).Message.ShouldContain(message);

        File.ReadAllBytes(path).ShouldBe(file);
    }

    private static long[] Words(byte[] file, int offset) =>
        Enumerable.Range(0, 16).Select(i => BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(offset + (8 * i)))).ToArray();

    private static void WriteSlot(byte[] file, int offset, long[] words)
    {
        for (int i = 0; i < 15; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(offset + (8 * i)), words[i]);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(offset + 120), Reference(file.AsSpan(offset, 120)));
    }

    private static void WriteRecord(byte[] file, int offset, uint field, long stamp, byte[] payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset), field);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset + 4), Reference(Concatenate(field, stamp, payload)));
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(offset + 8), stamp);
        payload.CopyTo(file, offset + 16);
    }

    private static byte[] Concatenate(uint field, long stamp, byte[] payload)
    {
        byte[] bytes = new byte[12 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, field);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), stamp);
        payload.CopyTo(bytes, 12);
        return bytes;
    }

    private static uint Reference(ReadOnlySpan<byte> bytes)
    {
        uint crc = uint.MaxValue;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
