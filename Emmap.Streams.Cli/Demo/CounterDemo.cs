using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Emmap.Streams.Cli.Demo;

/// <summary>emmap's atomic operations and persistent counters, plus what emmap gets wrong and Emmap.Streams refuses.</summary>
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
        DemoConsole.Section("Atomic operations on 64-bit cells of a mapped file: AtomicAdd, AtomicAnd, AtomicCompareExchange, ...");
        string path = Path.Combine(directory, "atomics.bin");
        using var mem = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 16 });
        DemoConsole.Step("var mem = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 16 })", "two 8-byte cells, at 0 and 8");
        Step("mem.AtomicAdd(0, 10)", mem.AtomicAdd(0, 10), "emmap:patomic_add(Mem, 0, 10)");
        Step("mem.AtomicAdd(0, 10)", mem.AtomicAdd(0, 10), "emmap:patomic_add(Mem, 0, 10)");
        Step("mem.AtomicSubtract(0, 5)", mem.AtomicSubtract(0, 5), "emmap:patomic_sub(Mem, 0, 5)");
        Step("mem.AtomicSubtract(0, 12)", mem.AtomicSubtract(0, 12), "emmap:patomic_sub(Mem, 0, 12)");
        Step("mem.AtomicAnd(0, 7)", mem.AtomicAnd(0, 7), "emmap:patomic_and(Mem, 0, 7)");
        Step("mem.AtomicOr(0, 7)", mem.AtomicOr(0, 7), "emmap:patomic_or(Mem, 0, 7)");
        Step("mem.AtomicXor(0, 9)", mem.AtomicXor(0, 9), "emmap:patomic_xor(Mem, 0, 9)");
        Step("mem.AtomicExchange(0, 10)", mem.AtomicExchange(0, 10), "emmap:patomic_xchg(Mem, 0, 10)");
        Step("mem.AtomicExchange(0, 0)", mem.AtomicExchange(0, 0), "emmap:patomic_xchg(Mem, 0, 0)");
        Step("mem.AtomicCompareExchange(0, 20, 0)", mem.AtomicCompareExchange(0, 20, 0), "emmap:patomic_cas(Mem, 0, 0, 20)");
        Step("mem.AtomicCompareExchange(0, 20, 10)", mem.AtomicCompareExchange(0, 20, 10), "emmap:patomic_cas(Mem, 0, 10, 20)");
        Step("mem.AtomicCompareExchange(0, 0, 20)", mem.AtomicCompareExchange(0, 0, 20), "emmap:patomic_cas(Mem, 0, 20, 0)");
        DemoConsole.Note("each returns the value BEFORE the operation (and/or/xor too), as emmap's do; a compare-exchange succeeded if it returns the comparand");

        mem.AtomicWrite(8, long.MaxValue);
        Step("mem.AtomicAdd(8, 1)  (cell 8 holds long.MaxValue)", mem.AtomicAdd(8, 1), "emmap:patomic_add(Mem, 8, 1)");
        Step("mem.AtomicRead(8)", mem.AtomicRead(8), "emmap:patomic_read_integer(Mem, 8)");
        DemoConsole.Note("arithmetic wraps in two's complement");

        DemoConsole.Step("mem.AtomicCompareExchange(1, 20, 0)  (position 1 is not 8-byte aligned)", Outcome(() => mem.AtomicCompareExchange(1, 20, 0)), "emmap:patomic_cas(Mem, 1, 0, 20)");
        DemoConsole.Note("emmap silently runs this compare-exchange on bytes 8..15 instead; its other atomics fault on ARM");

        using var readOnly = MappedFileStream.Open(path);
        Step("readOnly.AtomicRead(8)  (a read-only stream)", readOnly.AtomicRead(8), "emmap:patomic_read_integer(Mem, 8)");
        DemoConsole.Step("readOnly.AtomicWrite(8, 1)", Outcome(() => readOnly.AtomicWrite(8, 1)), "emmap:patomic_write_integer(Mem, 8, 1) on a read-only map crashes the Erlang VM");
    }

    /// <summary>"Atomic persistent counters": the README sequence, persistence, another process, and the file's bytes.</summary>
    private static void RunCounters(string directory)
    {
        DemoConsole.Section("Persistent counters shared by threads and processes: MappedCounters");
        string path = Path.Combine(directory, "mem.bin");
        long n1, n2, n3, n4, n5, n6;
        using (var f = MappedCounters.Open(path, 2))
        {
            DemoConsole.Step("var f = MappedCounters.Open(path, 2)", $"Count={f.Count}", "F = emmap:open_counters(\"/tmp/mem.bin\", 2)");
            n1 = f.Increment(0);
            Step("long n1 = f.Increment(0)", n1, "N1 = emmap:inc_counter(F, 0)");
            n2 = f.Increment(0, 5);
            Step("long n2 = f.Increment(0, 5)", n2, "N2 = emmap:inc_counter(F, 0, 5)");
            n3 = f.Increment(0);
            Step("long n3 = f.Increment(0)", n3, "N3 = emmap:inc_counter(F, 0)");
            n4 = f.Increment(0, 2);
            Step("long n4 = f.Increment(0, 2)", n4, "N4 = emmap:inc_counter(F, 0, 2)");
            n5 = f.Set(0, 15);
            Step("long n5 = f.Set(0, 15)", n5, "N5 = emmap:set_counter(F, 0, 15)");
            n6 = f.Read(0);
            Step("long n6 = f.Read(0)", n6, "N6 = emmap:read_counter(F, 0)");
            DemoConsole.Note("updates return the value BEFORE the change, as emmap's do");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"N1={n1}, N2={n2}, N3={n3}, N4={n4}, N5={n5}, N6={n6}"));

        using (var reopened = MappedCounters.Open(path, 0))
        {
            DemoConsole.Step("f.Dispose(); MappedCounters.Open(path, 0)  (0: take the file's count)", $"Count={reopened.Count}, Read(0)={reopened.Read(0)}");
            string childOld = RunCli("counters", path, "inc", "1");
            DemoConsole.Step("another OS process runs: emmap counters mem.bin inc 1", $"prints {childOld}, the value before");
            DemoConsole.Step("reopened.Read(1)  (in this process)", reopened.Read(1).ToString(CultureInfo.InvariantCulture));
        }

        DemoConsole.Step("Convert.ToHexString(File.ReadAllBytes(path))", Convert.ToHexString(File.ReadAllBytes(path)));
        DemoConsole.Note("\"EMMAP01\\n\", the count 2 (64-bit little-endian), then 15 and 1: emmap's own format, so Erlang opens the file as it is");
    }

    private static void Step(string csharp, long result, string emmap) =>
        DemoConsole.Step(csharp, result.ToString(CultureInfo.InvariantCulture), emmap);

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
