using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Kills this child (<see cref="SelfKill"/>) once the test process that started it is gone, so that a test run that crashed
/// or was stopped leaves no child behind: a child that churns a queue until its test kills it would otherwise run on and
/// fill the disk. Unix only: a parent that dies leaves its children to another process, which <c>getppid</c> shows.
/// </summary>
internal static partial class ParentWatch
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Starts watching the parent from a background thread.</summary>
    internal static void Start()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int parent = GetParentId();
        var watch = new Thread(() =>
        {
            while (GetParentId() == parent)
            {
                Thread.Sleep(s_interval);
            }

            SelfKill.Now();
        })
        {
            IsBackground = true,
            Name = "parent watch",
        };
        watch.Start();
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentId();
}
