using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Emmap.Streams.Tests.Support;

namespace Emmap.Streams.Tests.Queue.MultiProcess;

/// <summary>
/// A test-host child running concurrently with others (a producer, a consumer, a churn), whose output lines are collected as
/// they come. Disposing it kills it if it still runs.
/// </summary>
public sealed class SharedChild : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _errors = new();
    private readonly ManualResetEventSlim _ready = new();
    private readonly ManualResetEventSlim _outputClosed = new();

    private SharedChild(string role, Process process)
    {
        Role = role;
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _outputClosed.Set();
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }

            if (e.Data == "ready")
            {
                _ready.Set();
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Gets what the child is (producer, consumer, churn), for the ledger and for messages.</summary>
    public string Role { get; }

    /// <summary>Gets whether the test killed it.</summary>
    public bool KilledByTest { get; private set; }

    /// <summary>Gets the exit code (once exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Gets whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Gets what the child wrote to stderr.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts the test host with <paramref name="arguments"/>.</summary>
    public static SharedChild Start(string role, params string[] arguments) =>
        new(role, DotnetApp.Start(DotnetApp.TestHost, arguments));

    /// <summary>A copy of the lines printed so far (all of them once <see cref="WaitForExit"/> returned).</summary>
    public List<string> Lines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    /// <summary>Waits until the child printed <c>ready</c> (or ended: its output closes, which also ends the wait).</summary>
    public void WaitUntilReady()
    {
        bool signalled = WaitHandle.WaitAny([_ready.WaitHandle, _outputClosed.WaitHandle], s_timeout) != WaitHandle.WaitTimeout;
        if (!signalled && !_process.HasExited)
        {
            throw new TimeoutException($"The {Role} did not get ready in time: {Errors}");
        }
    }

    /// <summary>Sends a line to the child's stdin (for <c>queue-shared-hold</c> and <c>queue-hold</c>: the cue to close and exit).</summary>
    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Kills the child with SIGKILL and waits for it to end.</summary>
    public void Kill()
    {
        KilledByTest = true;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It ended on its own.
        }

        WaitForExit();
    }

    /// <summary>Waits for the child to end and for its output to be read to the end.</summary>
    public void WaitForExit()
    {
        if (!_process.WaitForExit(s_timeout))
        {
            _process.Kill();
            throw new TimeoutException($"The {Role} did not end in time (a hang?): {Errors}");
        }

        _process.WaitForExit();
        _ = _outputClosed.Wait(s_timeout);
    }

    /// <summary>Waits for the child to end and checks that it ended by finishing its work.</summary>
    public void ShouldFinish()
    {
        WaitForExit();
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {Role} exited with {_process.ExitCode}: {Errors}");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _ready.Dispose();
        _outputClosed.Dispose();
    }
}
