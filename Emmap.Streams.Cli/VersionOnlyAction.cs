using System;
using System.CommandLine;
using System.CommandLine.Invocation;
using Emmap.Streams.Cli.Commands;

namespace Emmap.Streams.Cli;

/// <summary>
/// <c>emmap --version</c>: prints the version when the option stands alone. With anything else on the line it is a bad command
/// line, as an extra argument is to every command, where System.CommandLine's own action would ignore the rest.
/// </summary>
internal sealed class VersionOnlyAction(CommandLineAction version) : SynchronousCommandLineAction
{
    /// <inheritdoc/>
    public override bool ClearsParseErrors => true;

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.Tokens.Count != 1)
        {
            Console.Error.WriteLine("'--version' cannot be combined with other arguments or options.");
            return ExitCodes.Usage;
        }

        return version is SynchronousCommandLineAction print ? print.Invoke(parseResult) : ExitCodes.Ok;
    }
}
