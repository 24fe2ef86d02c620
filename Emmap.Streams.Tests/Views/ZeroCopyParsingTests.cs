using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Xml;
using CommunityToolkit.HighPerformance;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// Parsers reading mapped bytes in place. Each test changes the file through the plain file API after the view was
/// taken: the parser sees the new bytes, which proves it reads the mapping itself and no copy was made.
/// </summary>
[TestFixture]
public sealed class ZeroCopyParsingTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Utf8JsonReader_OverAView_ParsesTheMappedBytes()
    {
        string path = _directory.File("doc.json");
        File.WriteAllText(path, """{"name":"emmap","count":42,"tags":["mmap","zero-copy"]}""");
        using var stream = MappedFileStream.Open(path);
        using IMemoryOwner<byte> view = stream.ReadDirect(0, (int)stream.Length);

        ChangeFile(path, "\"count\":", "97");

        var reader = new Utf8JsonReader(view.Memory.Span);
        var values = new Dictionary<string, string>();
        var tags = new List<string>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = reader.GetString();
                    break;
                case JsonTokenType.String when property == "tags":
                    tags.Add(reader.GetString()!);
                    break;
                case JsonTokenType.String or JsonTokenType.Number:
                    values[property!] = reader.TokenType == JsonTokenType.Number
                        ? reader.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : reader.GetString()!;
                    break;
            }
        }

        values["name"].ShouldBe("emmap");
        values["count"].ShouldBe("97");
        tags.ShouldBe(["mmap", "zero-copy"]);
    }

    [Test]
    public void SequenceReader_OverAPinnedSequenceOfASparseFileAbove2GiB_CountsRecordsAcrossSegmentBoundaries()
    {
        // Length-prefixed records (type byte, little-endian int32 length, payload) in a sparse 2.5 GiB file. Padding
        // records fill the gaps, so the reader skips them without touching their pages; the data records sit across
        // the sequence's 1 GiB segment boundaries, header and payload split between segments.
        string path = _directory.File("records.bin");
        const long oneGiB = 1L << 30;
        var writer = new RecordFileWriter(path);
        writer.Data("first");
        writer.PadTo(oneGiB - 3);
        writer.Data("across-1GiB");
        writer.PadTo((2 * oneGiB) - 7);
        writer.Data("across-2GiB");
        writer.PadTo((5 * oneGiB / 2) - 20);
        writer.Data("last");
        long fileLength = writer.Finish();
        fileLength.ShouldBeGreaterThan(2 * oneGiB + (oneGiB / 4));

        using var stream = MappedFileStream.Open(path);
        using MappedSequenceOwner owner = stream.ReadSequence(0, stream.Length);
        ReadOnlySequence<byte> sequence = owner.Sequence;
        sequence.Length.ShouldBe(fileLength);
        sequence.IsSingleSegment.ShouldBeFalse();

        ChangeFile(path, offset: oneGiB - 3 + 5, "ACROSS-1GiB");

        var reader = new SequenceReader<byte>(sequence);
        var payloads = new List<string>();
        int padding = 0;
        while (reader.TryRead(out byte type))
        {
            reader.TryReadLittleEndian(out int length).ShouldBeTrue();
            if (type == RecordFileWriter.DataRecord)
            {
                payloads.Add(Encoding.ASCII.GetString(reader.UnreadSequence.Slice(0, length)));
            }
            else
            {
                padding++;
            }

            reader.Advance(length);
        }

        payloads.ShouldBe(["first", "ACROSS-1GiB", "across-2GiB", "last"]);
        padding.ShouldBe(3);
    }

    [Test]
    public void StreamReader_OverAViewThroughAsStream_ReadsTheMappedText()
    {
        string path = _directory.File("lines.txt");
        File.WriteAllText(path, "alpha\nbravo\ncharlie\n");
        using var mapped = MappedFileStream.Open(path);
        IMemoryOwner<byte> view = mapped.ReadDirect(0, (int)mapped.Length);

        ChangeFile(path, "alpha\n", "BRAVO");

        // AsStream() takes ownership: disposing the reader disposes the view.
        using (var reader = new StreamReader(view.AsStream(), Encoding.UTF8))
        {
            reader.ReadLine().ShouldBe("alpha");
            reader.ReadLine().ShouldBe("BRAVO");
            reader.ReadLine().ShouldBe("charlie");
            reader.ReadLine().ShouldBeNull();
        }

        mapped.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public void XmlReader_OverAViewThroughAsStream_ReadsTheMappedDocument()
    {
        string path = _directory.File("doc.xml");
        File.WriteAllText(path, """<items><item id="1">alpha</item><item id="2">bravo</item></items>""");
        using var mapped = MappedFileStream.Open(path);
        using IMemoryOwner<byte> view = mapped.ReadDirect(0, (int)mapped.Length);

        ChangeFile(path, "<item id=\"2\">", "omega");

        using var xml = XmlReader.Create(view.Memory.AsStream());
        var items = new List<string>();
        xml.ReadToFollowing("item");
        while (xml is { NodeType: XmlNodeType.Element, Name: "item" })
        {
            // Reading the content moves the reader to the next sibling.
            items.Add($"{xml.GetAttribute("id")}={xml.ReadElementContentAsString()}");
        }

        items.ShouldBe(["1=alpha", "2=omega"]);
    }

    /// <summary>Overwrites the bytes right after <paramref name="marker"/> with <paramref name="replacement"/>, through plain file I/O.</summary>
    private static void ChangeFile(string path, string marker, string replacement)
    {
        int at = SharedFile.ReadAllText(path).IndexOf(marker, StringComparison.Ordinal);
        at.ShouldBeGreaterThanOrEqualTo(0);
        ChangeFile(path, at + marker.Length, replacement);
    }

    private static void ChangeFile(string path, long offset, string replacement)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(file.SafeFileHandle, Encoding.ASCII.GetBytes(replacement), offset);
    }

    /// <summary>Writes the record file sparsely: only headers and data payloads touch the disk.</summary>
    private sealed class RecordFileWriter(string path)
    {
        public const byte DataRecord = 1;
        private const byte PaddingRecord = 0;
        private const int HeaderLength = 5;

        private readonly List<(long Offset, byte[] Bytes)> _writes = [];
        private long _end;

        public void Data(string payload)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(payload);
            Header(DataRecord, bytes.Length);
            _writes.Add((_end, bytes));
            _end += bytes.Length;
        }

        public void PadTo(long offset)
        {
            long length = offset - _end - HeaderLength;
            Header(PaddingRecord, checked((int)length));
            _end = offset;
        }

        public long Finish()
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            file.SetLength(_end);
            foreach ((long offset, byte[] bytes) in _writes)
            {
                RandomAccess.Write(file.SafeFileHandle, bytes, offset);
            }

            return _end;
        }

        private void Header(byte type, int length)
        {
            byte[] header = new byte[HeaderLength];
            header[0] = type;
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(1), length);
            _writes.Add((_end, header));
            _end += HeaderLength;
        }
    }
}
