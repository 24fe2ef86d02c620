using System;

namespace Emmap.Streams.Benchmarks;

/// <summary>A progress line on standard error: rewritten in place on a terminal, one line per change otherwise.</summary>
internal sealed class ProgressLine
{
    private readonly bool _inPlace = !Console.IsErrorRedirected;
    private int _lastLength;
    private string _lastPrefix = string.Empty;

    internal void Write(string text)
    {
        if (_inPlace)
        {
            Console.Error.Write("\r" + text.PadRight(_lastLength));
            _lastLength = text.Length;
            return;
        }

        // Redirected (CI logs): one line per suite phase, not per round.
        string prefix = text.Split(" round ")[0].Split(" warm-up ")[0];
        if (prefix != _lastPrefix)
        {
            Console.Error.WriteLine(text);
            _lastPrefix = prefix;
        }
    }

    internal void Done(string text)
    {
        if (_inPlace)
        {
            Console.Error.Write("\r" + new string(' ', _lastLength) + "\r");
        }

        Console.Error.WriteLine(text);
    }
}
