namespace Emmap.Streams.TestHost;

/// <summary>Child-process commands for the queue tests (<c>queue-*</c>).</summary>
internal static class QueueCommands
{
    public static int? Run(string[] args) => args[0] switch
    {
        _ => null,
    };
}
