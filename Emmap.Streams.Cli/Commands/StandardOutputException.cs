using System;
using System.IO;

namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// Standard output could not be written (closed, a full disk, a broken pipe): an error of the command's output, not of
/// its file, reported with exit code <see cref="ExitCodes.Failed"/> and a message that says what was done to the file.
/// </summary>
internal sealed class StandardOutputException(string message, Exception inner) : IOException(message, inner);
