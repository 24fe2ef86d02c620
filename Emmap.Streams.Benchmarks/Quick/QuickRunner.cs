using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Runs every suite in this process, quickly but honestly: warm-up passes over every case of a suite with pauses so
/// tiered compilation reaches its optimized code (at least three, more until two passes in a row agree), then rounds
/// in which every case of a suite times one batch, in an order that rotates each round so drift hits all cases alike.
/// It reports medians over the rounds, and allocations counted per thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, plus worker threads' own totals).
/// </summary>
internal sealed class QuickRunner
{
    private const int MinimumWarmupPasses = 3;
    private const int MaximumWarmupPasses = 5;
    private const double SettledWithin = 0.05;
    private const int MinimumWarmupCalls = 30;
    private const int WarmupCapFactor = 4;
    private static readonly TimeSpan s_tierUpPause = TimeSpan.FromMilliseconds(200);

    private readonly QuickOptions _options;
    private readonly ProgressLine _progress = new();

    internal QuickRunner(QuickOptions options)
    {
        _options = options;
    }

    /// <summary>Measures every suite of <paramref name="assembly"/> that passes the filter.</summary>
    internal IReadOnlyList<QuickResult> Run(Assembly assembly)
    {
        if (MachineCheck.Warning() is { } warning)
        {
            Console.Error.WriteLine(warning);
        }

        var results = new List<QuickResult>();
        var clock = Stopwatch.StartNew();
        List<SuiteInstance> instances = SuiteInstance.Discover(assembly)
            .Where(s => s.CaseNames().Any(n => _options.Filter is not { } filter || n.Contains(filter, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        for (int i = 0; i < instances.Count; i++)
        {
            using SuiteInstance instance = instances[i];
            string prefix = $"[{i + 1}/{instances.Count}] {instance.Name}";
            _progress.Write($"{prefix}: setting up");
            foreach (IReadOnlyList<QuickCase> suite in instance.Start())
            {
                List<QuickCase> cases = suite.Where(Selected).ToList();
                if (cases.Count > 0)
                {
                    results.AddRange(Measure(cases, prefix, clock));
                }
            }
        }

        _progress.Done($"Measured {results.Count} cases in {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s.");
        return results;
    }

    private bool Selected(QuickCase c) =>
        _options.Filter is not { } filter || (c.Suite + "/" + c.Name).Contains(filter, StringComparison.OrdinalIgnoreCase);

    private List<QuickResult> Measure(List<QuickCase> cases, string prefix, Stopwatch clock)
    {
        string suite = cases[0].Suite;
        var perInvoke = new double[cases.Count];
        var previous = new double[cases.Count];
        for (int pass = 1; pass <= MaximumWarmupPasses; pass++)
        {
            _progress.Write($"{prefix}: {suite} warm-up {pass} ({Elapsed(clock)})");
            for (int c = 0; c < cases.Count; c++)
            {
                previous[c] = perInvoke[c];
                perInvoke[c] = WarmUp(cases[c]);
            }

            // Lets the tiering thread install optimized code for methods that crossed the call-count threshold
            // (it waits 100 ms after the last new method before promoting, then compiles in the background).
            Thread.Sleep(s_tierUpPause);
            bool settled = Enumerable.Range(0, cases.Count).All(c => Math.Abs(perInvoke[c] - previous[c]) <= SettledWithin * previous[c]);
            if (pass >= MinimumWarmupPasses && settled)
            {
                break;
            }
        }

        int[] batch = perInvoke.Select(t => (int)Math.Clamp(Math.Ceiling(_options.BatchMilliseconds * 1e6 / t), 1, int.MaxValue)).ToArray();
        var samples = new double[cases.Count][];
        var allocated = new long[cases.Count];
        var operations = new long[cases.Count];
        for (int c = 0; c < cases.Count; c++)
        {
            samples[c] = new double[_options.Rounds];
        }

        for (int round = 0; round < _options.Rounds; round++)
        {
            _progress.Write($"{prefix}: {suite} round {round + 1}/{_options.Rounds} ({Elapsed(clock)})");
            for (int k = 0; k < cases.Count; k++)
            {
                // Rotate the order each round, and reverse it every other round.
                int c = (round % 2 == 0 ? k + round : cases.Count - 1 - k + round) % cases.Count;
                (double nanoseconds, long bytes) = TimeBatch(cases[c], batch[c]);
                long ops = (long)batch[c] * cases[c].OperationsPerInvoke;
                samples[c][round] = nanoseconds / ops;
                allocated[c] += bytes;
                operations[c] += ops;
            }
        }

        double[] medians = samples.Select(Median).ToArray();
        int baseline = cases.FindIndex(c => c.IsBaseline);
        var rows = new List<QuickResult>(cases.Count);
        for (int c = 0; c < cases.Count; c++)
        {
            rows.Add(new QuickResult(
                suite,
                cases[c].Name,
                medians[c],
                (double)allocated[c] / operations[c],
                baseline < 0 ? null : cases[baseline].Name,
                baseline < 0 ? null : medians[c] / medians[baseline]));
        }

        return rows;
    }

    /// <summary>Calls the case for at least the warm-up time and the call count; returns nanoseconds per invocation.</summary>
    private double WarmUp(QuickCase c)
    {
        long budget = (long)(_options.WarmupMilliseconds * Stopwatch.Frequency / 1000);
        long start = Stopwatch.GetTimestamp();
        int calls = 0;
        long now;
        do
        {
            c.Invoke();
            calls++;
            now = Stopwatch.GetTimestamp();
        }
        while ((calls < MinimumWarmupCalls && now - start < budget * WarmupCapFactor) || now - start < budget);

        return (now - start) * (1e9 / Stopwatch.Frequency) / calls;
    }

    private static (double Nanoseconds, long Bytes) TimeBatch(QuickCase c, int invocations)
    {
        Action invoke = c.Invoke;
        long workersBefore = c.Workers?.WorkerAllocatedBytes ?? 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < invocations; i++)
        {
            invoke();
        }

        long end = Stopwatch.GetTimestamp();
        long after = GC.GetAllocatedBytesForCurrentThread();
        long workersAfter = c.Workers?.WorkerAllocatedBytes ?? 0;
        return ((end - start) * (1e9 / Stopwatch.Frequency), after - before + (workersAfter - workersBefore));
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Elapsed(Stopwatch clock) => clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s";
}
