using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using System.Xml.Linq;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's queue samples, compiled and run twice in a row (quoted verbatim, using directives aside).</summary>
[TestFixture]
public sealed class QueueReadme
{
    [Test]
    public async Task Queues_RunTwice_DoWhatTheirCommentsSay()
    {
        await Sample();
        await Sample();

        async Task Sample()
        {
            var printed = new StringWriter();
            TextWriter console = Console.Out;
            Console.SetOut(printed);
            try
            {
                // A persistent FIFO queue: survives kill -9, reuses popped space, grows when full, shrinks back when drained.
                string directory = Path.GetTempPath();
                using var queue = MappedQueue.Open(Path.Combine(directory, "jobs.queue"), initialSize: 64 * 1024);
                queue.Push("first"u8);
                queue.Push("second"u8);
                while (queue.Pop() is { } item)                     // null only when empty (emmap's nil)
                {
                    Console.WriteLine(Encoding.UTF8.GetString(item)); // first, then second
                }

                // Typed items through any serializer (UTF-8, unmanaged structs, System.Text.Json, Stream-based ones, your own).
                using var names = MappedQueue.Open(Path.Combine(directory, "names.queue"), 64 * 1024, QueueSerializer.Utf8);
                names.Push("Ada");
                if (names.TryPop(out string? name))                 // false only when empty: never confused with an item
                {
                    Console.WriteLine(name);                         // Ada
                }

                // Many producers and consumers: a thread-safe wrapper that can await items, with group-commit durability.
                await using var jobs = ConcurrentMappedQueue.Open(
                    Path.Combine(directory, "shared.queue"), 64 * 1024, new QueueOptions { Durability = QueueDurability.Batched });
                jobs.Enqueue("job 1"u8);
                byte[] job = await jobs.DequeueAsync();              // waits while the queue is empty
                bool more = jobs.TryDequeue(out byte[]? next);       // false: the queue is empty again

                // README promises:
                printed.ToString().ReplaceLineEndings("\n").ShouldBe("first\nsecond\nAda\n");
                queue.Count.ShouldBe(0);
                Encoding.UTF8.GetString(job).ShouldBe("job 1");
                more.ShouldBeFalse();
                next.ShouldBeNull();
            }
            finally
            {
                Console.SetOut(console);
            }
        }
    }

    [Test]
    public async Task SharedByProcesses_RunTwice_DoesWhatItsCommentsSay()
    {
        await Sample();
        await Sample();

        async Task Sample()
        {
            var printed = new StringWriter();
            TextWriter console = Console.Out;
            Console.SetOut(printed);
            try
            {
                // One queue for several OS processes: run this program in two terminals at once; each item is taken by one of them.
                await using var work = ConcurrentMappedQueue.Open(
                    Path.Combine(Path.GetTempPath(), "between-processes.queue"), 64 * 1024, new QueueOptions { MultiProcess = true });
                work.Enqueue(Encoding.UTF8.GetBytes($"job from process {Environment.ProcessId}"));
                byte[] taken = await work.DequeueAsync();            // this process's job, or one that another process pushed
                Console.WriteLine(Encoding.UTF8.GetString(taken));

                // README promises (alone, the process takes its own job back):
                printed.ToString().ReplaceLineEndings("\n").ShouldBe($"job from process {Environment.ProcessId}\n");
                work.TryDequeue(out byte[]? more).ShouldBeFalse();
                more.ShouldBeNull();
            }
            finally
            {
                Console.SetOut(console);
            }
        }
    }

    [Test]
    public void StreamSerializer_RunTwice_DoesWhatItsCommentsSay()
    {
        Sample();
        Sample();

        void Sample()
        {
            // Any serializer that writes to a Stream (XML here; DataContract, protobuf...): items pass through pooled buffers to the file.
            var xml = QueueSerializer.FromStream<XElement>((stream, item) => item.Save(stream), stream => XElement.Load(stream));
            using var orders = MappedQueue.Open(Path.Combine(Path.GetTempPath(), "orders.queue"), 64 * 1024, xml);
            orders.Push(new XElement("order", new XAttribute("id", 1)));
            orders.TryPop(out XElement? order);                  // true: <order id="1" />

            // README promises:
            order!.ToString().ShouldBe("<order id=\"1\" />");
            orders.Count.ShouldBe(0);
        }
    }
}
