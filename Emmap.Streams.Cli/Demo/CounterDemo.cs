using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Emmap.Streams.Cli.Demo;

/// <summary>The README's atomic operations and persistent counters, plus what emmap gets wrong and Emmap.Streams refuses.</summary>
internal static class CounterDemo
{
    public static void Run(string directory)
    {
        RunAtomics(directory);
        RunCounters(directory);
    }

    /// <summary>"Atomic operations on the memory mapped file": emmap's simple_test sequence on an 8-byte cell.</summary>
    private static void RunAtomics(string directory)
    {
        DemoConsole.Section("Atomic operations on a mapped file: emmap:patomic_* -> AtomicAdd, AtomicAnd, AtomicCompareExchange, ...");
        string path = Path.Combine(directory, "atomics.bin");
        using var mem = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 16 });
        Step("patomic_add(Mem, 0, 10)", "AtomicAdd(0, 10)", mem.AtomicAdd(0, 10));
        Step("patomic_add(Mem, 0, 10)", "AtomicAdd(0, 10)", mem.AtomicAdd(0, 10));
        Step("patomic_sub(Mem, 0, 5)", "AtomicSubtract(0, 5)", mem.AtomicSubtract(0, 5));
        Step("patomic_sub(Mem, 0, 12)", "AtomicSubtract(0, 12)", mem.AtomicSubtract(0, 12));
        Step("patomic_and(Mem, 0, 7)", "AtomicAnd(0, 7)", mem.AtomicAnd(0, 7));
        Step("patomic_or(Mem, 0, 7)", "AtomicOr(0, 7)", mem.AtomicOr(0, 7));
        Step("patomic_xor(Mem, 0, 9)", "AtomicXor(0, 9)", mem.AtomicXor(0, 9));
        Step("patomic_xchg(Mem, 0, 10)", "AtomicExchange(0, 10)", mem.AtomicExchange(0, 10));
        Step("patomic_xchg(Mem, 0, 0)", "AtomicExchange(0, 0)", mem.AtomicExchange(0, 0));
        Step("patomic_cas(Mem, 0, 0, 20)", "AtomicCompareExchange(0, 20, 0)", mem.AtomicCompareExchange(0, 20, 0));
        Step("patomic_cas(Mem, 0, 10, 20)", "AtomicCompareExchange(0, 20, 10)", mem.AtomicCompareExchange(0, 20, 10));
        Step("patomic_cas(Mem, 0, 20, 0)", "AtomicCompareExchange(0, 0, 20)", mem.AtomicCompareExchange(0, 0, 20));
        DemoConsole.Note("each returns the value BEFORE the operation (and/or/xor too), as emmap; a CAS succeeded iff it returns the comparand");

        mem.AtomicWrite(8, long.MaxValue);
        Step("patomic_add(Mem, 8, 1) on max int64", "AtomicAdd(8, 1)", mem.AtomicAdd(8, 1));
        Step("patomic_read_integer(Mem, 8)", "AtomicRead(8)", mem.AtomicRead(8));
        DemoConsole.Note("arithmetic wraps in two's complement");

        DemoConsole.Step("patomic_cas(Mem, 1, 0, 20): misaligned  ->  AtomicCompareExchange(1, 20, 0)", Outcome(() => mem.AtomicCompareExchange(1, 20, 0)));
        DemoConsole.Note("emmap silently runs this CAS on bytes 8..15 instead; its other atomics fault on ARM");

        using var readOnly = MappedFileStream.Open(path);
        Step("read-only map: patomic_read_integer(Mem, 8)", "AtomicRead(8)", readOnly.AtomicRead(8));
        DemoConsole.Step("read-only map: patomic_write_integer(Mem, 8, 1)  ->  AtomicWrite(8, 1)", Outcome(() => readOnly.AtomicWrite(8, 1)));
        DemoConsole.Note("emmap crashes the VM on that write");
    }

    /// <summary>"Atomic persistent counters": the README sequence, persistence, another process, and the file's bytes.</summary>
    private static void RunCounters(string directory)
    {
        DemoConsole.Section("Atomic persistent counters: emmap:open_counters/inc_counter/set_counter/read_counter -> MappedCounters");
        string path = Path.Combine(directory, "mem.bin");
        long n1, n2, n3, n4, n5, n6;
        using (var f = MappedCounters.Open(path, 2))
        {
            DemoConsole.Step("F = open_counters(\"/tmp/mem.bin\", 2)  ->  MappedCounters.Open(path, 2)", $"Count={f.Count}");
            n1 = f.Increment(0);
            Step("N1 = inc_counter(F, 0)", "f.Increment(0)", n1);
            n2 = f.Increment(0, 5);
            Step("N2 = inc_counter(F, 0, 5)", "f.Increment(0, 5)", n2);
            n3 = f.Increment(0);
            Step("N3 = inc_counter(F, 0)", "f.Increment(0)", n3);
            n4 = f.Increment(0, 2);
            Step("N4 = inc_counter(F, 0, 2)", "f.Increment(0, 2)", n4);
            n5 = f.Set(0, 15);
            Step("N5 = set_counter(F, 0, 15)", "f.Set(0, 15)", n5);
            n6 = f.Read(0);
            Step("N6 = read_counter(F, 0)", "f.Read(0)", n6);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"N1={n1}, N2={n2}, N3={n3}, N4={n4}, N5={n5}, N6={n6}"));

        using (var reopened = MappedCounters.Open(path, 0))
        {
            DemoConsole.Step("closed; MappedCounters.Open(path, 0): the file's own count", $"Count={reopened.Count}, Read(0)={reopened.Read(0)}");
            string childOld = RunCli("counters", path, "inc", "1");
            DemoConsole.Step("another OS process: emmap counters mem.bin inc 1", $"prints {childOld} (the value before)");
            DemoConsole.Step("this process: Read(1)", reopened.Read(1).ToString(CultureInfo.InvariantCulture));
        }

        DemoConsole.Step("the file's bytes", Convert.ToHexString(File.ReadAllBytes(path)));
        DemoConsole.Note("\"EMMAP01\\n\", count 2 (u64 LE), then 15 and 1 (i64 LE): emmap's own format, so Erlang opens it as is");
    }

    private static void Step(string emmap, string dotnet, long result) =>
        DemoConsole.Step($"{emmap}  ->  {dotnet}", result.ToString(CultureInfo.InvariantCulture));

    /// <summary>Runs a call that Emmap.Streams refuses and names the exception (or the result, were it to succeed).</summary>
    private static string Outcome(Action call)
    {
        try
        {
            call();
            return "completed";
        }
        catch (ArgumentException ex)
        {
            return ex.GetType().Name;
        }
        catch (NotSupportedException ex)
        {
            return ex.GetType().Name;
        }
    }

    /// <summary>Runs this program as a second OS process with <paramref name="arguments"/> and returns its output.</summary>
    private static string RunCli(params string[] arguments)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(CounterDemo).Assembly.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a second process.");
        string output = process.StandardOutput.ReadToEnd().Trim();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"The second process failed ({process.ExitCode}): {error}");
    }
}
