namespace Emmap.Streams.Cli.Demo;

/// <summary>The README's persistent FIFO scenarios: the queue as a container and behind a thread-safe wrapper.</summary>
internal static class QueueDemo
{
    public static void Run(string directory) => _ = directory;
}
