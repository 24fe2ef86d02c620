using System;
using System.Diagnostics;
using System.Text;

using Emmap.Streams.Tests.Support;

namespace Emmap.Streams.Tests.Counters;

/// <summary>
/// A real child process running one <c>counter-*</c> command of Emmap.Streams.TestHost. The commands print
/// <c>ready</c> and wait for <see cref="Go"/>, so several children can be released together.
/// </summary>
internal sealed class CounterHost : IDisposable
{
    // A guard against a hung child, not a timing assertion: healthy children finish in well under a second.
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromMinutes(1);

    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private CounterHost(Process process)
    {
        _process = process;
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
        _process.BeginErrorReadLine();
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the test host with <paramref name="arguments"/> through the dotnet host.</summary>
    public static CounterHost Start(params string[] arguments)
    {
        return new CounterHost(DotnetApp.Start(DotnetApp.TestHost, arguments));
    }

    /// <summary>Reads the child's next line of output; fails with its stderr if it ended instead.</summary>
    public string ReadLine() =>
        _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"The test host ended without output. stderr:\n{Errors}");

    /// <summary>Waits until the child has opened its file and is waiting for <see cref="Go"/>.</summary>
    public void WaitUntilReady()
    {
        string line = ReadLine();
        if (line != "ready")
        {
            throw new InvalidOperationException($"The test host said '{line}' instead of 'ready'. stderr:\n{Errors}");
        }
    }

    /// <summary>Releases the child.</summary>
    public void Go()
    {
        _process.StandardInput.WriteLine();
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the child to exit and returns the rest of its output; fails if it exits with an error.</summary>
    public string Finish()
    {
        string output = _process.StandardOutput.ReadToEnd();
        WaitForExit();
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The test host failed with exit code {_process.ExitCode}. stderr:\n{Errors}");
        }

        return output.Trim();
    }

    /// <summary>Kills the child with SIGKILL (no handlers, no cleanup) and waits until it is gone.</summary>
    public void KillHard()
    {
        _process.Kill();
        WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    private void WaitForExit()
    {
        if (!_process.WaitForExit(s_hangGuard))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The test host did not exit. stderr:\n{Errors}");
        }

        _process.WaitForExit();
    }
}
