using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.Tests.Windows.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>Dead-owner detection: a process is (id, creation time), and alive only while that pair runs.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows")]
public sealed class WindowsProcessTests
{
    [Test]
    public void IsAlive_ThisProcessWithItsStartTime_IsTrueAndWithAnotherStartTimeIsFalse()
    {
        long started = WindowsProcess.CurrentStartTime;

        started.ShouldBeGreaterThan(0);
        WindowsProcess.StartTimeOf(Environment.ProcessId).ShouldBe(started);
        WindowsProcess.IsAlive(Environment.ProcessId, started).ShouldBeTrue();
        WindowsProcess.IsAlive(Environment.ProcessId, started - 1).ShouldBeFalse("a recycled id has another start time");
    }

    [Test]
    public void IsAlive_AChildBeforeAndAfterItExits_IsTrueThenFalse()
    {
        using Process child = DotnetApp.Start(DotnetApp.TestHost, ["win-start-time"]);
        try
        {
            long started = long.Parse(child.StandardOutput.ReadLine() ?? "0", CultureInfo.InvariantCulture);

            started.ShouldBeGreaterThan(0);
            WindowsProcess.StartTimeOf(child.Id).ShouldBe(started, "the child and the parent read the same creation time");
            WindowsProcess.IsAlive(child.Id, started).ShouldBeTrue();

            child.StandardInput.Close();
            child.WaitForExit(60_000).ShouldBeTrue();

            // The Process object still holds a handle to the exited process, so its id is not reused yet.
            WindowsProcess.IsAlive(child.Id, started).ShouldBeFalse();
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    [Test]
    public void IsAlive_NoSuchProcess_IsFalse()
    {
        // Windows process ids are multiples of 4; this one is never handed out.
        const int Unused = 0x7FFF_FFF3;

        WindowsProcess.StartTimeOf(Unused).ShouldBe(0);
        WindowsProcess.IsAlive(Unused, 1).ShouldBeFalse();
    }
}
