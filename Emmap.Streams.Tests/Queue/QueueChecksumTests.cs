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
