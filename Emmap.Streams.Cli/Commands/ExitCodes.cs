namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// The exit codes every command shares; each command's help lists these and its own, 4 and 5, which differ between
/// commands. A message on stderr always says what went wrong.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>A bad command line: unknown verb, missing or extra argument, a value out of range (System.CommandLine's own code).</summary>
    public const int Usage = 1;

    /// <summary>The file does not exist.</summary>
    public const int Missing = 2;

    /// <summary>The file is not of the kind the command works on; it was left untouched.</summary>
    public const int Invalid = 3;

    /// <summary>Permission denied, or the path is a directory.</summary>
    public const int Denied = 6;

    /// <summary>Any other error (an I/O error, a queue open in another process, a failed demo step).</summary>
    public const int Failed = 7;

    /// <summary>Stopped by Ctrl-C or SIGTERM (128 + SIGINT's number, as shells report it).</summary>
    public const int Interrupted = 130;
}
