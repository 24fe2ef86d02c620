using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests;

/// <summary>The child processes of the cross-process tests do not outlive the process that started them.</summary>
[TestFixture]
public sealed class TestHostTests
{
    [Test]
    [LinuxOnly("a Unix parent that dies hands its children to another process, which the child watches for")]
    public void Child_ItsParentKilled_EndsWithinSeconds()
    {
        // A shell stands for a test run that crashes: it starts a child that holds a queue and waits on a pipe that stays open
        // (this process keeps the other end), then it is killed. Left alone, the child would wait forever.
        using var directory = new TempDirectory();
        ProcessStartInfo child = DotnetApp.StartInfo(DotnetApp.TestHost, ["queue-hold", directory.File("held.queue")]);
        string command = string.Join(' ', new[] { child.FileName }.Concat(child.ArgumentList).Select(word => $"'{word}'"));
        var shell = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add($"exec 3<&0; {command} <&3 3<&- >/dev/null & echo $!; wait");
        using Process parent = Process.Start(shell)!;
        int id = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            WaitUntil(() => File.Exists(directory.File("held.queue")), "the child opened its queue");
            Runs(id).ShouldBeTrue("the child runs while its parent does");

            parent.Kill();
            parent.WaitForExit();
            WaitUntil(() => !Runs(id), "the child ended after its parent was killed");
        }
        finally
        {
            if (Runs(id))
            {
                Process.GetProcessById(id).Kill();
            }
        }
    }

    // Whether the process exists and is not a zombie (one nobody reaped yet has ended all the same).
    private static bool Runs(int id)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{id}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        string state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
        return state is not ("Z" or "X");
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        // A hang detector, not a speed bar: the child checks its parent four times a second.
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), what);
            System.Threading.Thread.Sleep(20);
        }
    }
}
