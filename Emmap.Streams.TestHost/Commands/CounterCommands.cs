namespace Emmap.Streams.TestHost;

/// <summary>Child-process commands for the counter tests (<c>counter-*</c>).</summary>
internal static class CounterCommands
{
    public static int? Run(string[] args) => args[0] switch
    {
        _ => null,
    };
}
