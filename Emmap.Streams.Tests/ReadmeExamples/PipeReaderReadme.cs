using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's PipeReader snippets, compiled and run (quoted verbatim between the setup and the checks).</summary>
[TestFixture]
public sealed class PipeReaderReadme
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task JsonStraightFromTheMapping_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("orders.json");
        await File.WriteAllTextAsync(path, """[{"id":1,"customer":"Ada","total":12.5},{"id":2,"customer":"Alan","total":99}]""");

        using var stream = MappedFileStream.Open(path);
        PipeReader reader = stream.AsPipeReader();                 // buffers are the mapped pages: no copy
        List<Order>? orders = await JsonSerializer.DeserializeAsync<List<Order>>(reader, JsonSerializerOptions.Web);
        await reader.CompleteAsync();                              // drops the reader's pin on the mapping

        // README promises:
        orders.ShouldBe([new Order(1, "Ada", 12.5m), new Order(2, "Alan", 99m)]);
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public async Task FollowALog_AsQuoted_DoesWhatItsCommentsSay()
    {
        string path = _directory.File("app.log");
        await File.WriteAllTextAsync(path, "started\n");
        using var writer = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });

        using var log = MappedFileStream.Open(path);
        var follow = new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(20) };
        PipeReader tail = log.AsPipeReader(log.Length, follow);   // waits for appends by any thread or process
        writer.Append("request 1\n"u8);
        ReadResult next = await tail.ReadAsync();                  // "request 1\n", without a copy

        // README promises:
        Encoding.ASCII.GetString(next.Buffer).ShouldBe("request 1\n");
        next.IsCompleted.ShouldBeFalse();
        tail.AdvanceTo(next.Buffer.End);
        await tail.CompleteAsync();
    }

    public sealed record Order(int Id, string Customer, decimal Total);
}
