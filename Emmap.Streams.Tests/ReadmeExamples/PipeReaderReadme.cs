using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's PipeReader samples, compiled and run twice in a row (quoted verbatim, using directives aside).</summary>
[TestFixture]
public sealed class PipeReaderReadme
{
    [Test]
    public async Task JsonStraightFromTheMapping_RunTwice_DoesWhatItsCommentsSay()
    {
        await Sample();
        await Sample();

        async Task Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "totals.json");
            File.WriteAllText(path, """{"ada":12.5,"alan":99,"grace":7}""");

            using var stream = MappedFileStream.Open(path);
            PipeReader reader = stream.AsPipeReader();                 // buffers are the mapped pages: no copy
            Dictionary<string, decimal>? totals = await JsonSerializer.DeserializeAsync<Dictionary<string, decimal>>(reader);
            await reader.CompleteAsync();                              // drops the reader's pin on the mapping
            Console.WriteLine(totals!["alan"]);                        // 99

            // README promises:
            totals.ShouldBe(new Dictionary<string, decimal> { ["ada"] = 12.5m, ["alan"] = 99m, ["grace"] = 7m });
            stream.LiveViewCount.ShouldBe(0);
        }
    }

    [Test]
    public async Task FollowALog_RunTwice_DoesWhatItsCommentsSay()
    {
        TextWriter console = Console.Out;
        using var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            await Sample();
            await Sample();
        }
        finally
        {
            Console.SetOut(console);
        }

        output.ToString().ShouldBe("request 1\nrequest 1\n");

        async Task Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "app.log");
            File.WriteAllText(path, "started\n");
            using var writer = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });

            using var log = MappedFileStream.Open(path);
            var follow = new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(20) };
            PipeReader tail = log.AsPipeReader(log.Length, follow);          // from the current end on
            Task appender = Task.Run(() => writer.Append("request 1\n"u8));  // another thread (or process) appends
            ReadResult next = await tail.ReadAsync();                         // waits for it; the bytes are not copied
            Console.Write(Encoding.ASCII.GetString(next.Buffer));             // request 1
            tail.AdvanceTo(next.Buffer.End);
            await tail.CompleteAsync();
            await appender;

            // README promises:
            log.Length.ShouldBe("started\nrequest 1\n".Length);
            log.LiveViewCount.ShouldBe(0);
        }
    }
}
