using System;
using System.Text;

namespace Emmap.Streams.Cli.Demo;

/// <summary>How the demo prints: a heading per scenario, then each step with its result.</summary>
internal static class DemoConsole
{
    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"== {title}");
    }

    public static void Step(string action, string result) => Console.WriteLine($"   {action,-58} -> {result}");

    public static void Note(string text) => Console.WriteLine($"   ({text})");

    /// <summary>Shows bytes as an Erlang-style binary: printable text in quotes, else the byte values.</summary>
    public static string Show(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7e && b != (byte)'\n')
            {
                return "<<" + string.Join(",", bytes.ToArray()) + ">>";
            }
        }

        return "<<\"" + Encoding.ASCII.GetString(bytes).Replace("\n", "\\n", StringComparison.Ordinal) + "\">>";
    }
}
