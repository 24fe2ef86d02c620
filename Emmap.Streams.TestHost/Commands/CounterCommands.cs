using System;
using System.Globalization;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Child-process commands for the counter tests (<c>counter-*</c>). Each prints <c>ready</c> and waits for a line on
/// stdin before it starts, so a parent can release several children at the same moment.
/// <list type="bullet">
/// <item><c>counter-increment PATH INDEX TIMES</c>: opens the counter file (any count), adds 1 to counter INDEX TIMES
/// times, prints <c>done</c>.</item>
/// <item><c>counter-loop PATH INDEX LIMIT</c>: adds 1 to counter INDEX up to LIMIT times, printing <c>reached V</c>
/// every 1000 increments, where V is the counter's value right after this process's latest increment. For kill tests.</item>
/// <item><c>counter-open PATH COUNT</c>: creates or opens the counter file with COUNT counters, adds 1 to counter 0 and
/// prints <c>count=N old=V</c>. For creation races.</item>
/// </list>
/// </summary>
internal static class CounterCommands
{
    public static int? Run(string[] args) => args[0] switch
    {
        "counter-increment" => Increment(args[1], ParseInt(args[2]), ParseInt(args[3])),
        "counter-loop" => Loop(args[1], ParseInt(args[2]), long.Parse(args[3], CultureInfo.InvariantCulture)),
        "counter-open" => OpenAndIncrement(args[1], ParseInt(args[2])),
        _ => null,
    };

    private static int ParseInt(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static void WaitForGo()
    {
        Console.WriteLine("ready");
        Console.Out.Flush();
        _ = Console.ReadLine();
    }

    private static int Increment(string path, int index, int times)
    {
        using var counters = MappedCounters.Open(path, 0);
        WaitForGo();
        for (int i = 0; i < times; i++)
        {
            _ = counters.Increment(index);
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int Loop(string path, int index, long limit)
    {
        using var counters = MappedCounters.Open(path, 0);
        WaitForGo();
        for (long i = 1; i <= limit; i++)
        {
            long reached = counters.Increment(index) + 1;
            if (i % 1000 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reached {reached}"));
                Console.Out.Flush();
            }
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int OpenAndIncrement(string path, int count)
    {
        WaitForGo();
        using var counters = MappedCounters.Open(path, count);
        long old = counters.Increment(0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"count={counters.Count} old={old}"));
        return 0;
    }
}
