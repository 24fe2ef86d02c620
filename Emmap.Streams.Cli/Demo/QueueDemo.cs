using System.IO;
using System.Text.Json.Nodes;

namespace Emmap.Streams.Cli.Demo;

/// <summary>
/// emmap's persistent FIFO scenarios: the queue as a container, and behind a thread-safe wrapper. Items are JSON values stored with
/// the System.Text.Json serializer (emmap stores Erlang terms: the atom <c>a</c> becomes "a", the tuple <c>{b,1}</c> becomes ["b",1]).
/// </summary>
internal static class QueueDemo
{
    private static readonly IQueueSerializer<JsonNode> s_json = QueueSerializer.Json<JsonNode>();

    public static void Run(string directory)
    {
        RunContainer(directory);
        RunConcurrent(directory);
    }

    private static void RunContainer(string directory)
    {
        DemoConsole.Section("A persistent FIFO queue of JSON items: MappedQueue<JsonNode>");
        string file = Path.Combine(directory, "queue1.bin");
        using (MappedQueue<JsonNode> q = MappedQueue.Open(file, 4096, s_json, new QueueOptions { AutoUnlink = true }))
        {
            DemoConsole.Step(
                "var q = MappedQueue.Open(file, 4096, QueueSerializer.Json<JsonNode>(), new QueueOptions { AutoUnlink = true })",
                Items(q.Count),
                "{ok, Q} = emmap_queue:open(Filename, 1024, [auto_unlink])");
            DemoConsole.Note(
                "4096 bytes where emmap's example asks for 1024: a queue file starts with a 1 KiB header (two checksummed copies of its " +
                "cursors and sizes), so 4096 is the smallest file; both queues grow when they fill up");
            foreach ((JsonNode item, string csharp, string term) in Items())
            {
                q.Push(item);
                DemoConsole.Step($"q.Push({csharp})", Items(q.Count), $"ok = emmap_queue:push(Q, {term})");
            }

            QueueMetadata meta = q.GetMetadata();
            DemoConsole.Note($"{meta.UsedBytes} bytes of the file hold the 3 items: each has a 16-byte header with its length and CRC32C, and is padded to 8 bytes");
            foreach ((JsonNode _, string _, string term) in Items())
            {
                DemoConsole.Step("q.TryPop(out JsonNode? item)", q.TryPop(out JsonNode? item) ? $"true, {item!.ToJsonString()}" : "false", $"{term} = emmap_queue:pop(Q)");
            }

            DemoConsole.Step(
                "q.TryPopAndPurge(out JsonNode? item)",
                q.TryPopAndPurge(out JsonNode? last) ? $"true, {last!.ToJsonString()}" : "false: the queue is empty",
                "nil = emmap_queue:pop_and_purge(Q)");
        }

        DemoConsole.Step("q.Dispose()  (AutoUnlink)", File.Exists(file) ? "the file is still there" : "the file is deleted");
    }

    private static void RunConcurrent(string directory)
    {
        DemoConsole.Section("The same queue for many threads, with waiting and group commit: ConcurrentMappedQueue");
        string file = Path.Combine(directory, "queue2.bin");
        using (ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true }))
        {
            DemoConsole.Step(
                "var queue = ConcurrentMappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true })",
                "ok",
                "{ok, Pid} = emmap_queue:start_link(?MODULE, Filename, 1024, [auto_unlink])  (a gen_server around the queue)");
            DemoConsole.Note("4096 bytes again where emmap asks for 1024, for the same reason");
            foreach ((JsonNode item, string csharp, string term) in Items())
            {
                queue.Enqueue(item, s_json);
                DemoConsole.Step($"queue.Enqueue({csharp}, json)", "ok", $"ok = emmap_queue:enqueue(Pid, {term})");
            }

            foreach ((JsonNode _, string _, string term) in Items())
            {
                DemoConsole.Step(
                    "queue.TryDequeue(json, out JsonNode? item)",
                    queue.TryDequeue(s_json, out JsonNode? item) ? $"true, {item!.ToJsonString()}" : "false",
                    $"{term} = emmap_queue:dequeue(Pid)");
            }

            DemoConsole.Step(
                "queue.TryDequeue(json, out JsonNode? item)",
                queue.TryDequeue(s_json, out JsonNode? none) ? $"true, {none!.ToJsonString()}" : "false: the queue is empty",
                "nil = emmap_queue:dequeue(Pid)");
            DemoConsole.Note("await queue.DequeueAsync() waits for an item instead; any number of threads may enqueue and dequeue at once");
        }

        DemoConsole.Step("queue.Dispose()  (AutoUnlink)", File.Exists(file) ? "the file is still there" : "the file is deleted");
    }

    private static string Items(long count) => count == 1 ? "1 item" : $"{count} items";

    /// <summary>emmap's items a, {b,1} and {c,d} as JSON values, each with the C# that makes it and the Erlang term it stands for.</summary>
    private static (JsonNode Item, string CSharp, string Term)[] Items() =>
    [
        (JsonValue.Create("a"), "JsonValue.Create(\"a\")", "a"),
        (new JsonArray("b", 1), "new JsonArray(\"b\", 1)", "{b,1}"),
        (new JsonArray("c", "d"), "new JsonArray(\"c\", \"d\")", "{c,d}"),
    ];
}
