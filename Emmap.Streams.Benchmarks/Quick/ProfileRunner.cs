using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Runs one case's body a given number of times and nothing else, for instruction counting under
/// <c>valgrind --tool=callgrind</c>: two runs with different invocation counts differ only by the extra calls,
/// so (Ir₂ − Ir₁) / (extra operations) is the instruction count of one operation, free of startup and JIT.
/// Both runs first make the same warm-up calls with pauses, so that the counted calls run the optimized
/// (tier-1, profile-guided) code that the quick run measures, even under valgrind's slowdown.
/// </summary>
internal static class ProfileRunner
{
    private const int WarmupPasses = 4;
    private const int WarmupCallsPerPass = 50;
    private static readonly TimeSpan s_tierUpPause = TimeSpan.FromSeconds(1);

    /// <summary>Runs the case named <paramref name="name"/> ("suite/case") <paramref name="invocations"/> times; returns the exit code.</summary>
    internal static int Run(Assembly assembly, string name, int invocations)
    {
        foreach (SuiteInstance instance in SuiteInstance.Discover(assembly))
        {
            if (!instance.CaseNames().Contains(name))
            {
                continue;
            }

            using (instance)
            {
                IReadOnlyList<IReadOnlyList<QuickCase>> suites = instance.Start();
                if (suites.SelectMany(s => s).FirstOrDefault(c => c.Suite + "/" + c.Name == name) is not { } found)
                {
                    continue;
                }

                for (int pass = 0; pass < WarmupPasses; pass++)
                {
                    for (int i = 0; i < WarmupCallsPerPass; i++)
                    {
                        found.Invoke();
                    }

                    Thread.Sleep(s_tierUpPause);
                }

                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < invocations; i++)
                {
                    found.Invoke();
                }

                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                long operations = (long)invocations * found.OperationsPerInvoke;
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}: {invocations} invocations, {operations} operations, {elapsed.TotalMilliseconds:F1} ms"));
                return 0;
            }
        }

        Console.Error.WriteLine($"No case named '{name}' (expected suite/case as in the quick run's table).");
        return 2;
    }
}
