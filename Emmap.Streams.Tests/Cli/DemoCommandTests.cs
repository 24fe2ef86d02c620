using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Emmap.Streams.Tests.Support;
using Shouldly;

namespace Emmap.Streams.Tests.Cli;

/// <summary><c>emmap demo</c> speaks C# first: each step is C# and its result; the emmap call is a reference line under it.</summary>
[TestFixture]
public sealed partial class DemoCommandTests
{
    // What the demo prints before the emmap call a step corresponds to (DemoConsole.ReferencePrefix).
    private const string Reference = "      in emmap: ";

    private CliResult _demo = null!;

    [OneTimeSetUp]
    public void RunDemo() => _demo = EmmapCli.Run("demo");

    [Test]
    public void Demo_Run_ExitsZeroWithNoErrors()
    {
        _demo.ExitCode.ShouldBe(0, _demo.ToString());
        _demo.Error.ShouldBeEmpty();
        _demo.Lines[^1].ShouldBe("Demo finished.");
    }

    [Test]
    [LinuxOnly("sends SIGINT with kill(1) and reads /proc/self/status")]
    public void Demo_Interrupted_StopsAfterTheStepAndDeletesItsFiles()
    {
        // The signal is sent once the demo has said where its files are. On a busy machine the demo can finish all its steps
        // before the signal arrives: that run says nothing about an interruption, so the demo runs again. A test run started
        // in the background by a shell without job control ignores SIGINT, and so do the processes it starts (the demo then
        // rightly cannot be interrupted with it): there SIGTERM, which the demo takes the same way, stands in for Ctrl-C.
        string signal = InterruptIgnored() ? "-TERM" : "-INT";
        for (int attempt = 1; ; attempt++)
        {
            using Process demo = DotnetApp.Start(DotnetApp.Cli, ["demo"]);
            demo.StandardInput.Close();
            string first = demo.StandardOutput.ReadLine() ?? string.Empty; // "Emmap.Streams demo (temporary files in DIR)"
            string directory = first[(first.IndexOf(" in ", StringComparison.Ordinal) + 4)..].TrimEnd(')');
            Directory.Exists(directory).ShouldBeTrue(first);

            using (Process kill = Process.Start("kill", [signal, demo.Id.ToString(CultureInfo.InvariantCulture)])!)
            {
                kill.WaitForExit();
            }

            string output = demo.StandardOutput.ReadToEnd();
            string errors = demo.StandardError.ReadToEnd();
            demo.WaitForExit(60_000).ShouldBeTrue();

            bool left = Directory.Exists(directory);
            if (left)
            {
                Directory.Delete(directory, recursive: true);
            }

            left.ShouldBeFalse($"the demo left {directory} (exit code {demo.ExitCode})");
            if (demo.ExitCode == 0 && output.TrimEnd().EndsWith("Demo finished.", StringComparison.Ordinal) && attempt < 5)
            {
                continue;
            }

            demo.ExitCode.ShouldBe(130, errors);
            errors.ShouldContain("interrupted");
            errors.ShouldNotContain("   at ");
            return;
        }
    }

    /// <summary>Whether this process ignores SIGINT (bit 2 of <c>SigIgn</c> in <c>/proc/self/status</c>), as the processes it starts then do.</summary>
    private static bool InterruptIgnored()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(text => text.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 1)) != 0;
    }

    [Test]
    public void Demo_Output_ShowsErlangOnlyOnReferenceLines()
    {
        string[] erlang = _demo.Lines.Where(line => ErlangSyntax().IsMatch(line) && !line.StartsWith(Reference, StringComparison.Ordinal)).ToArray();

        erlang.ShouldBeEmpty($"Erlang outside the reference lines:\n{string.Join('\n', erlang)}");
    }

    [Test]
    public void Demo_Output_PutsEachReferenceLineUnderACSharpStep()
    {
        string[] lines = _demo.Lines;
        int references = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(Reference, StringComparison.Ordinal))
            {
                references++;
                i.ShouldBeGreaterThan(0);
                IsStep(lines[i - 1]).ShouldBeTrue($"'{lines[i]}' follows '{lines[i - 1]}', which is not a C# step.");
            }
        }

        references.ShouldBeGreaterThan(40);
    }

    [Test]
    public void Demo_EverySection_OpensWithACSharpStep()
    {
        string[] lines = _demo.Lines;
        int sections = 0;
        for (int i = 0; i < lines.Length - 1; i++)
        {
            if (lines[i].StartsWith("== ", StringComparison.Ordinal))
            {
                sections++;
                IsStep(lines[i + 1]).ShouldBeTrue($"Section '{lines[i]}' opens with '{lines[i + 1]}'.");
            }
        }

        sections.ShouldBe(8);
    }

    [Test]
    public void Demo_QueueSizes_ExplainWhy4096WhereEmmapSays1024()
    {
        _demo.Lines.ShouldContain(line => line.Contains("4096 bytes where emmap's example asks for 1024", StringComparison.Ordinal) && line.Contains("header", StringComparison.Ordinal));
        _demo.Output.ShouldContain("MappedQueue.Open(file, 4096,");
    }

    // A step: three spaces, C#, an arrow and a result; not a note in parentheses, not a reference.
    private static bool IsStep(string line) =>
        line.StartsWith("   ", StringComparison.Ordinal) && !line.StartsWith(Reference, StringComparison.Ordinal) && !line.StartsWith("   (", StringComparison.Ordinal)
        && line.Contains(" -> ", StringComparison.Ordinal);

    // Binaries, atoms and tuples of Erlang, emmap's modules, its shell prompts and its gen_server.
    [GeneratedRegex(@"<<|\?MODULE|gen_server|eshell|\w+> |emmap_queue:|emmap:[a-z]|file:[a-z]|\bnil\b|\{ok,|\{error,")]
    private static partial Regex ErlangSyntax();
}
