using System;
using System.Text;

namespace Emmap.Streams.Cli.Demo;

/// <summary>
/// How the demo prints: a heading per scenario, then each C# step with what it returned, and under it, as a reference for readers
/// who know Erlang, the emmap call it corresponds to.
/// </summary>
internal static class DemoConsole
{
    /// <summary>What starts a reference line, under the step it belongs to.</summary>
    public const string ReferencePrefix = "      in emmap: ";

    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"== {title}");
    }

    /// <summary>Prints a C# step and its result, then the emmap call it corresponds to, if any.</summary>
    public static void Step(string csharp, string result, string? emmap = null)
    {
        Console.WriteLine($"   {csharp,-64} -> {result}");
        if (emmap is not null)
        {
            Console.WriteLine(ReferencePrefix + emmap);
        }
    }

    public static void Note(string text) => Console.WriteLine($"   ({text})");

    /// <summary>Shows bytes as a C# string literal when they are printable ASCII, else as a byte array.</summary>
    public static string Show(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7e && b != (byte)'\n')
            {
                return "[" + string.Join(", ", bytes.ToArray()) + "]";
            }
        }

        return "\"" + Encoding.ASCII.GetString(bytes).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }
}
