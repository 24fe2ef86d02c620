using System;

namespace Emmap.Streams.Tests.Cli;

/// <summary>What a run of the <c>emmap</c> command produced.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The output's lines, without the final newline.</summary>
    public string[] Lines => Output.TrimEnd('\n').Split('\n', StringSplitOptions.None);

    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
