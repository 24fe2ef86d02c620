using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace Emmap.Streams.Cli.Demo;

/// <summary>
/// The README's persistent FIFO scenarios: the queue as a container and behind a thread-safe wrapper. Erlang terms become JSON
/// nodes (an atom is a string, a tuple an array), stored with the System.Text.Json serializer.
/// </summary>
internal static class QueueDemo
{
    private static readonly IQueueSerializer<JsonNode> s_terms = QueueSerializer.Json<JsonNode>();

    public static void Run(string directory)
    {
        RunContainer(directory);
        RunServer(directory);
    }

    private static void RunContainer(string directory)
    {
        DemoConsole.Section("Persistent FIFO used as a container");
        string file = Path.Combine(directory, "queue1.bin");
        using (MappedQueue<JsonNode> q = MappedQueue.Open(file, 4096, s_terms, new QueueOptions { AutoUnlink = true }))
        {
            DemoConsole.Step("{ok, Q} = emmap_queue:open(Filename, 1024, [auto_unlink])", $"MappedQueue.Open(.., 4096, ..): {Items(q.Count)}");
            foreach (JsonNode term in Terms())
            {
                q.Push(term);
                DemoConsole.Step($"ok = emmap_queue:push(Q, {Show(term)})", $"q.Push({Show(term)}): {Items(q.Count)}");
            }

            QueueMetadata meta = q.GetMetadata();
            DemoConsole.Note($"{meta.UsedBytes} ring bytes used: each record has a 16-byte header with a CRC32C");
            foreach (JsonNode term in Terms())
            {
                DemoConsole.Step($"{Show(term)} = emmap_queue:pop(Q)", q.TryPop(out JsonNode? popped) ? Show(popped) : "empty");
            }

            DemoConsole.Step("nil = emmap_queue:pop_and_purge(Q)", q.TryPopAndPurge(out JsonNode? last) ? Show(last) : "false (nil)");
        }

        DemoConsole.Note($"auto_unlink: the file {(File.Exists(file) ? "still exists" : "is gone")} after Dispose");
    }

    private static void RunServer(string directory)
    {
        DemoConsole.Section("Persistent FIFO guarded by a thread-safe wrapper (the gen_server)");
        string file = Path.Combine(directory, "queue2.bin");
        using (ConcurrentMappedQueue server = ConcurrentMappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true }))
        {
            DemoConsole.Step("{ok, Pid} = emmap_queue:start_link(?MODULE, Filename, 1024, [auto_unlink])", "ConcurrentMappedQueue.Open(.., 4096, ..)");
            foreach (JsonNode term in Terms())
            {
                server.Enqueue(term, s_terms);
                DemoConsole.Step($"ok = emmap_queue:enqueue(Pid, {Show(term)})", $"server.Enqueue({Show(term)})");
            }

            foreach (JsonNode term in Terms())
            {
                DemoConsole.Step($"{Show(term)} = emmap_queue:dequeue(Pid)", server.TryDequeue(s_terms, out JsonNode? item) ? Show(item) : "null");
            }

            DemoConsole.Step("nil = emmap_queue:dequeue(Pid)", server.TryDequeue(s_terms, out JsonNode? none) ? Show(none) : "null (nil)");
        }

        DemoConsole.Note($"auto_unlink: the file {(File.Exists(file) ? "still exists" : "is gone")} after Dispose");
    }

    private static string Items(long count) => count == 1 ? "1 item" : $"{count} items";

    /// <summary>a, {b,1}, {c,d}.</summary>
    private static JsonNode[] Terms() => [JsonValue.Create("a"), new JsonArray("b", 1), new JsonArray("c", "d")];

    /// <summary>Prints a term the Erlang way: atoms bare, tuples in braces.</summary>
    private static string Show(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray tuple => "{" + string.Join(",", tuple.Select(Show)) + "}",
        _ => node.ToString(),
    };
}
