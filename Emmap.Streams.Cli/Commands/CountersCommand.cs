using System;
using System.CommandLine;
using System.Globalization;
using System.IO;

namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// <c>emmap counters FILE [VERB ARGS]</c>: create, list, read and change persistent counters from the shell.
/// Values print one per line in invariant culture; errors go to stderr with a distinct exit code per kind.
/// </summary>
internal static class CountersCommand
{
    /// <summary>Success.</summary>
    public const int ExitOk = ExitCodes.Ok;

    /// <summary>Bad command line (System.CommandLine's own parse-error code).</summary>
    public const int ExitUsage = ExitCodes.Usage;

    /// <summary>The counter file does not exist.</summary>
    public const int ExitMissing = ExitCodes.Missing;

    /// <summary>The file is not a valid counter file.</summary>
    public const int ExitInvalid = ExitCodes.Invalid;

    /// <summary><c>create N</c> on a file that has a different number of counters.</summary>
    public const int ExitCountMismatch = 4;

    /// <summary>The counter index is outside the file's counters.</summary>
    public const int ExitIndex = 5;

    /// <summary>Permission denied (or the file is a directory).</summary>
    public const int ExitDenied = ExitCodes.Denied;

    /// <summary>Any other error, such as an I/O error.</summary>
    public const int ExitIo = ExitCodes.Failed;

    private const string Help =
        """
        Work with an emmap counter file ("EMMAP01\n", the count, one signed 64-bit slot per counter; the same
        files as Erlang's emmap:open_counters). Without a verb, lists every counter.

        inc, dec and set print the value BEFORE the change (as emmap's inc_counter and MappedCounters do);
        read prints the current value; create prints one line saying what it did. Updates are atomic: scripts and
        programs may update the same file at once. Only create creates a file.

        Exit codes: 0 ok; 1 bad command line; 2 no such file; 3 not a valid counter file (left untouched);
        4 create with a count other than the file's; 5 counter index out of range; 6 permission denied, or FILE is
        a directory; 7 any other error, such as an I/O error.
        """;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The counter file." };
        var command = new Command("counters", Help);
        command.Arguments.Add(file);
        command.SetAction(result => List(result.GetValue(file)!));

        var count = new Argument<int>("COUNT") { Description = "The number of counters (at least 1)." };
        count.Validators.Add(argument =>
        {
            // Look at the token: a value that is not a number at all is reported by the parser itself.
            if (argument.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value < 1)
            {
                argument.AddError("COUNT must be at least 1.");
            }
        });
        var create = new Command(
            "create",
            "Create FILE with COUNT counters, all zero (atomically: no other process sees a partial file). " +
            "Succeeds without change if FILE already has COUNT counters; exit code 4 if it has another count.");
        create.Arguments.Add(count);
        create.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            int wanted = result.GetValue(count);
            bool existed = File.Exists(path);
            if (existed && !CanWrite(path))
            {
                // Nothing to create: a user who may only read the file learns whether it has the count, as a writer would.
                return Execute(path, 0, writable: false, counters => counters.Count == wanted
                    ? ReportCreated(counters, existed: true)
                    : Fail(ExitCountMismatch, $"'{counters.Path}' already has {counters.Count} counters, not {wanted}; the file was not changed."));
            }

            return Execute(path, wanted, writable: true, counters => ReportCreated(counters, existed));
        });
        command.Subcommands.Add(create);

        var list = new Command("list", "Print every counter as INDEX<tab>VALUE, one per line.");
        list.SetAction(result => List(result.GetValue(file)!));
        command.Subcommands.Add(list);

        var countVerb = new Command("count", "Print the number of counters.");
        countVerb.SetAction(result => Execute(result.GetValue(file)!, 0, writable: false, static counters => Print(counters.Count)));
        command.Subcommands.Add(countVerb);

        command.Subcommands.Add(IndexCommand(file, "read", "Print the current value of counter INDEX.", null, static (counters, index, _) => counters.Read(index)));
        Command inc = IndexCommand(
            file, "inc", "Add BY (default 1) to counter INDEX; print the value before.", ("BY", 1L), static (counters, index, by) => counters.Increment(index, by));
        inc.Aliases.Add("increment");
        command.Subcommands.Add(inc);
        Command dec = IndexCommand(
            file, "dec", "Subtract BY (default 1) from counter INDEX; print the value before.", ("BY", 1L), static (counters, index, by) => counters.Decrement(index, by));
        dec.Aliases.Add("decrement");
        command.Subcommands.Add(dec);
        command.Subcommands.Add(IndexCommand(
            file, "set", "Store VALUE in counter INDEX; print the value before.", ("VALUE", null), static (counters, index, value) => counters.Set(index, value)));
        return command;
    }

    /// <summary>A verb taking INDEX and, when <paramref name="operand"/> is given, one 64-bit operand (optional if it has a default).</summary>
    private static Command IndexCommand(
        Argument<string> file, string name, string description, (string Name, long? Default)? operand, Func<MappedCounters, int, long, long> action)
    {
        var command = new Command(name, description);
        // Read as 64-bit, so that a number beyond int is a counter index out of range (exit code 5), not a parse error.
        var index = new Argument<long>("INDEX") { Description = "The counter, from 0." };
        command.Arguments.Add(index);
        Argument<long>? value = null;
        if (operand is { } spec)
        {
            value = new Argument<long>(spec.Name) { Description = "A signed 64-bit integer." };
            if (spec.Default is { } fallback)
            {
                value.Arity = ArgumentArity.ZeroOrOne;
                value.DefaultValueFactory = _ => fallback;
            }

            command.Arguments.Add(value);
        }

        bool writable = operand is not null;
        command.SetAction(result =>
        {
            long at = result.GetValue(index);
            long operandValue = value is null ? 0 : result.GetValue(value);
            return Execute(result.GetValue(file)!, 0, writable, counters =>
            {
                if (at < 0 || at >= counters.Count)
                {
                    string has = counters.Count == 0 ? "no counters" : $"{counters.Count} counters (0 to {counters.Count - 1})";
                    return Fail(ExitIndex, $"counter index {at} is out of range: '{counters.Path}' has {has}.");
                }

                long before = action(counters, (int)at, operandValue);
                return Print(before, writable ? $"counter {at} was changed (it held {before.ToString(CultureInfo.InvariantCulture)})" : null);
            });
        });
        return command;
    }

    private static int ReportCreated(MappedCounters counters, bool existed)
    {
        string counted = counters.Count == 1 ? "1 counter" : $"{counters.Count.ToString(CultureInfo.InvariantCulture)} counters";
        StandardOutput.WriteLine(
            existed ? $"'{counters.Path}' already has {counted}; left as it was" : $"created '{counters.Path}' with {counted}, all 0",
            existed ? null : "the file was created");
        return ExitOk;
    }

    // Whether this user may open the existing file for writing (a counter file is never written by this check).
    private static bool CanWrite(string path)
    {
        try
        {
            // Read-write, as the writable open will be: a write-only open of a named pipe would wait for a reader.
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            // Let the open itself report it.
            return true;
        }
    }

    private static int List(string path) => Execute(path, 0, writable: false, static counters =>
    {
        // One buffered writer for what may be millions of lines; the file is only read, so a failed write changed nothing.
        try
        {
            using var output = new StreamWriter(Console.OpenStandardOutput());
            for (int i = 0; i < counters.Count; i++)
            {
                output.Write(i.ToString(CultureInfo.InvariantCulture));
                output.Write('\t');
                output.WriteLine(counters.Read(i).ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (StandardOutput.IsOutputFailure(ex))
        {
            throw StandardOutput.Failure(ex, done: null);
        }

        return ExitOk;
    });

    /// <summary>Opens the file (creating it only when <paramref name="createCount"/> is positive), runs <paramref name="body"/>, maps failures to exit codes.</summary>
    private static int Execute(string path, int createCount, bool writable, Func<MappedCounters, int> body)
    {
        if (path.Length == 0)
        {
            return Fail(ExitUsage, "FILE must not be empty.");
        }

        try
        {
            if (Directory.Exists(path))
            {
                return Fail(ExitDenied, $"'{path}' is a directory, not a counter file.");
            }

            if (createCount == 0 && !File.Exists(path))
            {
                return Fail(ExitMissing, $"'{path}' does not exist (create it with: emmap counters FILE create COUNT).");
            }

            var options = new MappedCountersOptions { Access = writable ? FileAccess.ReadWrite : FileAccess.Read };
            using MappedCounters counters = MappedCounters.Open(path, createCount, options);
            return body(counters);
        }
        catch (StandardOutputException ex)
        {
            return Fail(ExitIo, ex.Message);
        }
        catch (ArgumentException ex) when (ex.ParamName == "count")
        {
            return Fail(ExitCountMismatch, $"'{path}' already has {CountOf(path)} counters, not {createCount}; the file was not changed.");
        }
        catch (FileNotFoundException) when (createCount == 0)
        {
            // A dangling symbolic link: File.Exists saw the link, the open found no file behind it.
            return Fail(ExitMissing, $"'{path}' does not exist (create it with: emmap counters FILE create COUNT).");
        }
        catch (FileNotFoundException ex)
        {
            return Fail(ExitMissing, ex.Message);
        }
        catch (DirectoryNotFoundException)
        {
            return Fail(ExitMissing, $"the directory of '{path}' does not exist.");
        }
        catch (InvalidDataException ex)
        {
            return Fail(ExitInvalid, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(ExitDenied, ex.Message);
        }
        catch (NotSupportedException ex)
        {
            // Not a regular file (a pipe, a socket or a device): neither denied nor missing, so "any other error", as for a queue.
            return Fail(ExitIo, ex.Message);
        }
        catch (IOException ex)
        {
            return Fail(ExitIo, ex.Message);
        }
    }

    private static string CountOf(string path)
    {
        try
        {
            using MappedCounters counters = MappedCounters.Open(path, 0, new MappedCountersOptions { Access = FileAccess.Read });
            return counters.Count.ToString(CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return "a different number of";
        }
        catch (UnauthorizedAccessException)
        {
            return "a different number of";
        }
    }

    private static int Print(long value, string? done = null)
    {
        StandardOutput.WriteLine(value.ToString(CultureInfo.InvariantCulture), done);
        return ExitOk;
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"emmap counters: {message}");
        return code;
    }
}
