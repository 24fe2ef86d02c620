using System.IO;
using System.Text;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's queue example, compiled and run. Keep the code between the markers identical to README.md.</summary>
[TestFixture]
public sealed class QueueReadme
{
    [Test]
    public async Task ReadmeQueueExample_Runs()
    {
        using var dir = new TempDirectory();
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        try
        {
            await RunExample();
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    private static async Task RunExample()
    {
        // README: queue
        // A persistent FIFO queue: survives kill -9, reuses popped space, grows when full, shrinks back when drained.
        using var queue = MappedQueue.Open("jobs.queue", initialSize: 64 * 1024);
        queue.Push("first"u8);
        queue.Push("second"u8);
        byte[]? next = queue.Pop();                    // "first"; null when empty (emmap's nil)

        // Typed items through any serializer (UTF-8, unmanaged structs, System.Text.Json, your own).
        using var names = MappedQueue.Open("names.queue", 64 * 1024, QueueSerializer.Utf8);
        names.Push("Ada");
        names.TryPop(out string? name);                // true, "Ada"

        // Many producers and consumers: a thread-safe wrapper that can await items, with group-commit durability.
        using var jobs = ConcurrentMappedQueue.Open("shared.queue", 64 * 1024, new QueueOptions { Durability = QueueDurability.Batched });
        jobs.Enqueue("job 1"u8);
        byte[] job = await jobs.DequeueAsync();        // waits while the queue is empty
        // README: end

        Encoding.UTF8.GetString(next!).ShouldBe("first");
        queue.Count.ShouldBe(1);
        name.ShouldBe("Ada");
        Encoding.UTF8.GetString(job).ShouldBe("job 1");
    }
}
