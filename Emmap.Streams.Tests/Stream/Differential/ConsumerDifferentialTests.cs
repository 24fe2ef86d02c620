using System;
using System.Buffers;
using System.IO;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using System.Xml;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// The BCL's stream consumers write and read back through a <see cref="MappedFileStream"/> exactly as through a
/// <see cref="FileStream"/>: the same values read back and byte-identical files.
/// </summary>
[TestFixture]
public sealed class ConsumerDifferentialTests
{
    private static readonly DateTimeOffset s_entryTime = new(2024, 5, 6, 7, 8, 10, TimeSpan.Zero);

    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [Test]
    public Task StreamWriterAndReader_TextWrittenAppendedAndReadBack_MatchFileStream() => Compare(async open =>
    {
        using (var writer = new StreamWriter(open(FileMode.Create, FileAccess.Write), Encoding.UTF8))
        {
            writer.WriteLine("héllo, wörld");
            await writer.WriteAsync(string.Concat(Enumerable.Repeat("line of text\n", 500)));
        }

        using (var append = new StreamWriter(open(FileMode.Append, FileAccess.Write)))
        {
            append.Write("appended");
        }

        using var reader = new StreamReader(open(FileMode.Open, FileAccess.Read));
        string first = (await reader.ReadLineAsync())!;
        string rest = await reader.ReadToEndAsync();
        return $"{first}|{rest.Length}|{rest[^8..]}";
    });

    [Test]
    public Task BinaryWriterAndReader_ValuesWithSeeksAndOverwrites_MatchFileStream() => Compare(open =>
    {
        using (var writer = new BinaryWriter(open(FileMode.Create, FileAccess.ReadWrite)))
        {
            writer.Write(42);
            writer.Write(long.MinValue);
            writer.Write("a string with a length prefix");
            writer.Write(3.25);
            writer.Write(new byte[300]);
            writer.Seek(4, SeekOrigin.Begin);
            writer.Write(7L);
            writer.Seek(0, SeekOrigin.End);
            writer.Write('Z');
        }

        using var reader = new BinaryReader(open(FileMode.Open, FileAccess.Read));
        string values = $"{reader.ReadInt32()} {reader.ReadInt64()} {reader.ReadString()} {reader.ReadDouble()} {reader.ReadBytes(300).Length} {reader.ReadChar()}";
        return Task.FromResult($"{values} end={reader.PeekChar()}");
    });

    [Test]
    public Task GZipStream_CompressedAndDecompressed_MatchFileStream() => Compare(async open =>
    {
        byte[] data = Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251 * (i / 1000 % 3))).ToArray();
        using (var gzip = new GZipStream(open(FileMode.CreateNew, FileAccess.Write), CompressionLevel.Optimal))
        {
            await gzip.WriteAsync(data);
        }

        using var unzip = new GZipStream(open(FileMode.Open, FileAccess.Read), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        await unzip.CopyToAsync(copy);
        return copy.ToArray().SequenceEqual(data).ToString();
    });

    [Test]
    public Task ZipArchive_CreateReadAndUpdate_MatchFileStream() => Compare(open =>
    {
        using (var create = new ZipArchive(open(FileMode.Create, FileAccess.ReadWrite), ZipArchiveMode.Create))
        {
            AddEntry(create, "a.txt", "first entry");
            AddEntry(create, "dir/b.bin", new string('b', 10_000));
            AddEntry(create, "c.txt", "to be deleted");
        }

        using (var update = new ZipArchive(open(FileMode.Open, FileAccess.ReadWrite), ZipArchiveMode.Update))
        {
            update.GetEntry("c.txt")!.Delete();
            ZipArchiveEntry a = update.GetEntry("a.txt")!;
            using (Stream entry = a.Open())
            {
                entry.SetLength(0);
                entry.Write("rewritten, and longer than before"u8);
            }

            a.LastWriteTime = s_entryTime;
            AddEntry(update, "d.txt", "added by update");
        }

        using var read = new ZipArchive(open(FileMode.Open, FileAccess.Read), ZipArchiveMode.Read);
        return Task.FromResult(string.Join(";", read.Entries.Select(e => $"{e.FullName}={ReadEntry(e).Length}:{ReadEntry(e)[..Math.Min(12, ReadEntry(e).Length)]}")));
    });

    [Test]
    public Task SystemTextJson_SerializeAsyncAndDocumentParse_MatchFileStream() => Compare(async open =>
    {
        var value = new { Name = "emmap", Sizes = Enumerable.Range(0, 1000).ToArray(), Nested = new { Flag = true, Text = "ünïcode" } };
        using (Stream stream = open(FileMode.Create, FileAccess.Write))
        {
            await JsonSerializer.SerializeAsync(stream, value);
        }

        using (Stream stream = open(FileMode.Append, FileAccess.Write))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(1);
            writer.WriteEndArray();
        }

        using (Stream stream = open(FileMode.Open, FileAccess.ReadWrite))
        {
            stream.SetLength(stream.Length - 3);
        }

        using Stream input = open(FileMode.Open, FileAccess.Read);
        using JsonDocument document = await JsonDocument.ParseAsync(input);
        return $"{document.RootElement.GetProperty("Sizes").GetArrayLength()} {document.RootElement.GetProperty("Nested").GetProperty("Text").GetString()}";
    });

    [Test]
    public Task XmlWriterAndReader_AsyncDocument_MatchFileStream() => Compare(async open =>
    {
        var settings = new XmlWriterSettings { Async = true, Indent = true, CloseOutput = true };
        using (XmlWriter writer = XmlWriter.Create(open(FileMode.Create, FileAccess.Write), settings))
        {
            await writer.WriteStartDocumentAsync();
            await writer.WriteStartElementAsync(null, "items", null);
            for (int i = 0; i < 300; i++)
            {
                await writer.WriteStartElementAsync(null, "item", null);
                await writer.WriteAttributeStringAsync(null, "id", null, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await writer.WriteStringAsync($"value <{i}> & more");
                await writer.WriteEndElementAsync();
            }

            await writer.WriteEndElementAsync();
            await writer.WriteEndDocumentAsync();
        }

        using XmlReader reader = XmlReader.Create(open(FileMode.Open, FileAccess.Read), new XmlReaderSettings { Async = true, CloseInput = true });
        int items = 0;
        string last = string.Empty;
        while (await reader.ReadAsync())
        {
            if (reader.NodeType == XmlNodeType.Text)
            {
                items++;
                last = reader.Value;
            }
        }

        return $"{items} {last}";
    });

    [Test]
    public Task Pipelines_PipeWriterAndPipeReaderOverTheStream_MatchFileStream() => Compare(async open =>
    {
        PipeWriter writer = PipeWriter.Create(open(FileMode.Create, FileAccess.Write));
        for (int i = 0; i < 100; i++)
        {
            Memory<byte> memory = writer.GetMemory(1000);
            memory.Span[..1000].Fill((byte)i);
            writer.Advance(1000);
            await writer.FlushAsync();
        }

        await writer.CompleteAsync();

        PipeReader reader = PipeReader.Create(open(FileMode.Open, FileAccess.Read), new StreamPipeReaderOptions(bufferSize: 4096));
        long total = 0;
        long sum = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                total += segment.Length;
                foreach (byte b in segment.Span)
                {
                    sum += b;
                }
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        return $"{total} {sum}";
    });

    private static void AddEntry(ZipArchive archive, string name, string content)
    {
        ZipArchiveEntry entry = archive.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = s_entryTime;
        using var writer = new StreamWriter(entry.Open());
        writer.Write(content);
    }

    private static string ReadEntry(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    /// <summary>Runs <paramref name="scenario"/> with streams of each kind on its own copy of the file; results and files must match.</summary>
    private async Task Compare(Func<Func<FileMode, FileAccess, Stream>, Task<string>> scenario)
    {
        _twins.Seed(null);
        string expected = await scenario((mode, access) => _twins.Open(StreamKind.FileStream, mode, access));
        string actual = await scenario((mode, access) => _twins.Open(StreamKind.Mapped, mode, access));

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
        new FileInfo(_twins.MappedPath).Length.ShouldBeGreaterThan(0);
    }
}
