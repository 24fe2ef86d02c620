using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

using Emmap.Streams.Tests.Support;

namespace Emmap.Streams.Tests.Queue;

/// <summary>What a child process printed and how it ended.</summary>
public sealed record QueueChildResult(int ExitCode, IReadOnlyList<string> Lines, string Errors)
{
    /// <summary>True if the process was stopped by SIGKILL (exit code 128 + 9).</summary>
    public bool Killed => ExitCode == 137;

    public bool Finished => ExitCode == 0 && Lines.Count > 0 && Lines[^1] == "done";
}

/// <summary>Runs Emmap.Streams.TestHost <c>queue-*</c> commands as real child processes.</summary>
public static class QueueChild
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);



    /// <summary>Runs the child to its end (or to its own crash point).</summary>
    public static QueueChildResult Run(params string[] args) => Run(args, killAfterReady: null);

    /// <summary>Runs the child; with <paramref name="killAfterReady"/>, kills it with SIGKILL that long after it prints <c>ready</c>.</summary>
    public static QueueChildResult Run(string[] args, TimeSpan? killAfterReady) => Run(args, killAfterReady, whenReady: null);

    /// <summary>
    /// Runs the child; once it prints <c>ready</c>, calls <paramref name="whenReady"/> (while the child waits) and then, with
    /// <paramref name="killAfterReady"/>, kills it with SIGKILL that long afterwards.
    /// </summary>
    public static QueueChildResult Run(string[] args, TimeSpan? killAfterReady, Action? whenReady)
    {
        ProcessStartInfo start = DotnetApp.StartInfo(DotnetApp.TestHost, args);

        var lines = new List<string>();
        var errors = new System.Text.StringBuilder();
        using var ready = new ManualResetEventSlim();
        using var outputClosed = new ManualResetEventSlim();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test host.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                outputClosed.Set();
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data == "ready")
            {
                ready.Set();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // A child that ends before it is ready closes its output, which ends the wait at once.
        if ((killAfterReady is not null || whenReady is not null)
            && WaitHandle.WaitAny([ready.WaitHandle, outputClosed.WaitHandle], s_timeout) == 0)
        {
            whenReady?.Invoke();
        }

        if (killAfterReady is { } delay && ready.IsSet)
        {
            if (delay > TimeSpan.Zero)
            {
                Thread.Sleep(delay);
            }

            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }

        if (!process.WaitForExit(s_timeout))
        {
            process.Kill();
            throw new TimeoutException($"The test host did not exit within {s_timeout}: {string.Join(' ', args)}");
        }

        process.WaitForExit();
        lock (lines)
        {
            return new QueueChildResult(process.ExitCode, [.. lines], errors.ToString());
        }
    }
}
