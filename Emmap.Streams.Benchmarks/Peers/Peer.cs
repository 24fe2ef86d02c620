using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Another process running this benchmark program with <c>--peer COMMAND ...</c> (see <see cref="PeerCommands"/>): the other
/// side of a cross-process case. Its stdout lines are read on a background thread; stdin carries commands to it.
/// </summary>
internal sealed class Peer : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly Thread _reader;
    private readonly System.Collections.Concurrent.BlockingCollection<string> _lines = [];
    private long _lastNumber;

    private Peer(Process process)
    {
        _process = process;
        _reader = new Thread(Read) { IsBackground = true, Name = "peer output" };
        _reader.Start();
    }

    /// <summary>Gets the number on the last <c>T n</c> line the peer printed (a running total), without waiting.</summary>
    internal long LastNumber => Interlocked.Read(ref _lastNumber);

    /// <summary>
    /// Starts this program again as a peer. Under BenchmarkDotNet the assembly lives next to the generated host, which provides
    /// the runtime configuration; run directly, the assembly has its own.
    /// </summary>
    internal static Peer Start(params string[] arguments)
    {
        string assembly = typeof(Peer).Assembly.Location;
        string config = Path.ChangeExtension(assembly, ".runtimeconfig.json");
        if (!File.Exists(config) && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry)
        {
            config = Path.ChangeExtension(entry, ".runtimeconfig.json");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add("--runtimeconfig");
        start.ArgumentList.Add(config);
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--peer");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var peer = new Peer(Process.Start(start) ?? throw new InvalidOperationException("Could not start a peer process."));
        peer.Expect("ready");
        return peer;
    }

    /// <summary>Sends a command line to the peer.</summary>
    internal void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the peer's next line.</summary>
    internal string ReadLine()
    {
        if (!_lines.TryTake(out string? line, s_timeout))
        {
            throw new TimeoutException("The peer process printed nothing in time.");
        }

        return line;
    }

    /// <summary>Waits for the peer's next line and checks that it starts with <paramref name="prefix"/>.</summary>
    internal string Expect(string prefix)
    {
        string line = ReadLine();
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The peer process said '{line}', expected '{prefix}...'.");
        }

        return line;
    }

    /// <summary>Closes the peer's stdin (its cue to finish) and waits for it; kills it if it does not end.</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Read()
    {
        while (_process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("T ", StringComparison.Ordinal))
            {
                Interlocked.Exchange(ref _lastNumber, long.Parse(line.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture));
                continue;
            }

            _lines.Add(line);
        }

        _lines.CompleteAdding();
    }
}
