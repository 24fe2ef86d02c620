using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// A real child process running Emmap.Streams.TestHost (copied next to the test assembly), for
/// cross-process tests. Each exchange waits at most a minute so a stuck child fails the
/// test instead of hanging it.
/// </summary>
public sealed class ChildHost : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Task<string> _stderr;

    private ChildHost(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts the host with <paramref name="arguments"/> (the first names the command) and leaves it running.</summary>
    public static ChildHost Start(params string[] arguments)
    {
        return new ChildHost(DotnetApp.Start(DotnetApp.TestHost, arguments));
    }

    /// <summary>Runs the host to completion and returns its output (with "\n" line endings, without the final one); throws if it failed.</summary>
    public static string Run(params string[] arguments)
    {
        using ChildHost child = Start(arguments);
        child._process.StandardInput.Close();
        string output = child.ReadToEnd();
        child.ShouldExitWith(0);
        return output;
    }

    /// <summary>Reads the next line the child prints.</summary>
    public string ReadLine()
    {
        Task<string?> line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(s_timeout))
        {
            Kill();
            throw new TimeoutException("The test host printed nothing in time.");
        }

        return line.Result ?? throw new InvalidOperationException($"The test host ended early: {StandardError()}");
    }

    /// <summary>Sends a line to the child, then returns the line it answers with.</summary>
    public string Ask(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
        return ReadLine();
    }

    /// <summary>Sends a line to the child without waiting for an answer.</summary>
    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the child to end and checks that SIGKILL ended it (exit code 128 + 9).</summary>
    public void ShouldBeKilled()
    {
        if (!_process.WaitForExit(s_timeout))
        {
            Kill();
            throw new TimeoutException("The test host did not die in time.");
        }

        if (_process.ExitCode != 137)
        {
            throw new InvalidOperationException($"The test host exited with {_process.ExitCode}, expected to be killed: {StandardError()}");
        }
    }

    /// <summary>Closes the child's input (its cue to finish) and checks its exit code.</summary>
    public void ShouldExitWith(int code)
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        if (!_process.WaitForExit(s_timeout))
        {
            Kill();
            throw new TimeoutException("The test host did not exit in time.");
        }

        if (_process.ExitCode != code)
        {
            throw new InvalidOperationException($"The test host exited with {_process.ExitCode}, expected {code}: {StandardError()}");
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private string ReadToEnd()
    {
        Task<string> all = _process.StandardOutput.ReadToEndAsync();
        if (!all.Wait(s_timeout))
        {
            Kill();
            throw new TimeoutException("The test host did not finish in time.");
        }

        // The host writes the platform's line ending ("\r\n" on Windows).
        return all.Result.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
    }

    private string StandardError() => _stderr.Wait(TimeSpan.FromSeconds(5)) ? _stderr.Result : string.Empty;

    /// <summary>Kills the child (SIGKILL) and waits for it to end.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(s_timeout);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
