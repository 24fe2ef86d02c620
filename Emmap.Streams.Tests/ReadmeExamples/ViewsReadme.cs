using System.Buffers;
using System.IO;
using System.Text.Json;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's direct-view samples, compiled and run twice in a row (quoted verbatim, using directives aside).</summary>
[TestFixture]
public sealed class ViewsReadme
{
    [Test]
    public void MutableView_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "test.data");
            var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 8, Direct = true };
            using var shell1 = MappedFileStream.Open(path, options);
            using var shell2 = MappedFileStream.Open(path, options);
            shell1.WriteAt(0, "test1"u8);
            using IMemoryOwner<byte> bin = shell2.ReadAt(0, 5);   // a view, not a copy: "test1"
            shell1.WriteAt(0, "test2"u8);                         // bin.Memory now reads "test2"

            // README promises:
            bin.Memory.ToArray().ShouldBe("test2"u8.ToArray());
        }
    }

    [Test]
    public void ViewsPinTheMapping_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "pinned.txt");
            File.WriteAllText(path, "still here");

            IMemoryOwner<byte> view;
            using (var stream = MappedFileStream.Open(path))
            {
                view = stream.ReadDirect(0, 10);
            }

            string text = System.Text.Encoding.ASCII.GetString(view.Memory.Span); // valid after the stream is gone
            view.Dispose();                                                       // the mapping goes with the last view

            // README promises:
            text.ShouldBe("still here");
        }
    }

    [Test]
    public void ParseJsonInPlace_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "config.json");
            File.WriteAllText(path, """{"port":8080}""");

            using var stream = MappedFileStream.Open(path);
            using IMemoryOwner<byte> json = stream.ReadDirect(0, (int)stream.Length);
            var reader = new Utf8JsonReader(json.Memory.Span);   // parses the mapped bytes: no copy
            reader.Read();
            reader.Read();
            reader.Read();
            int port = reader.GetInt32();                        // 8080

            // README promises:
            port.ShouldBe(8080);
        }
    }

    [Test]
    public void SequenceOverAnyLength_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "log.txt");
            File.WriteAllText(path, "one\ntwo\nthree\n");

            using var stream = MappedFileStream.Open(path);
            using MappedSequenceOwner owner = stream.ReadSequence(0, stream.Length); // any length, even past 2 GiB
            var reader = new SequenceReader<byte>(owner.Sequence);
            int lines = 0;
            while (reader.TryAdvanceTo((byte)'\n'))
            {
                lines++;
            }

            // README promises:
            lines.ShouldBe(3);
        }
    }

    [Test]
    public void StreamOverAView_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "notes.txt");
            File.WriteAllText(path, "first line\nsecond line\n");

            using var mapped = MappedFileStream.Open(path);
            using var reader = new StreamReader(mapped.ReadDirect(0, (int)mapped.Length).AsStream()); // owns the view
            string? first = reader.ReadLine();           // "first line"

            // README promises:
            first.ShouldBe("first line");
            mapped.LiveViewCount.ShouldBe(1);
        }
    }
}
