using System.Diagnostics;
using Emmap.Streams.Native;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.NativeTests;

/// <summary>
/// Whether the process a queue's owner word or a file's solo word names still runs, when the process table does not show
/// it: <c>/proc</c> mounted with <c>hidepid=2</c> has no entry for another user's process, and taking such a process for
/// gone would let a second process steal a queue its live owner holds, or end a size change it is in the middle of.
/// </summary>
[TestFixture]
[LinuxOnly("reads the process table in /proc")]
public sealed class ProcessStampTests
{
    [Test]
    public void IsAlive_RunningProcessThatTheProcessTableDoesNotShow_IsTakenForRunning()
    {
        using var hidden = new TempDirectory();

        ProcessStamp.IsAlive(ProcessStamp.Current, hidden.Path).ShouldBeTrue();

        // Process 1 runs for as long as the machine (or container) does; a user who may not signal it gets EPERM.
        ProcessStamp.IsAlive((12345L << 32) | 1, hidden.Path).ShouldBeTrue();
    }

    [Test]
    public void IsAlive_ExitedProcessThatTheProcessTableDoesNotShow_IsGone()
    {
        using var hidden = new TempDirectory();
        using Process child = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        child.WaitForExit();

        ProcessStamp.IsAlive((12345L << 32) | (uint)child.Id, hidden.Path).ShouldBeFalse();
    }

    [Test]
    public void IsAlive_ProcessesInTheProcessTable_AsBefore()
    {
        ProcessStamp.IsAlive(ProcessStamp.Current).ShouldBeTrue();

        // Another start stamp: the id was recycled by this process, which is not the one the word names.
        ProcessStamp.IsAlive(ProcessStamp.Current ^ (1L << 40)).ShouldBeFalse();
    }
}
