using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text;

namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// <c>emmap queue FILE [push TEXT | pop | peek | info | verify]</c>: push, pop, peek, inspect and verify a persistent queue file.
/// Only <c>push</c> creates a file; <c>peek</c>, <c>info</c> and <c>verify</c> never change one.
/// </summary>
internal static class QueueCommand
{
    /// <summary>The queue is empty (<c>pop</c>, <c>peek</c>).</summary>
    public const int ExitEmpty = 4;

    /// <summary><c>verify</c> found damage.</summary>
    public const int ExitDamaged = 5;

    /// <summary>The size of a queue that <c>push</c> creates, unless <c>--initial-size</c> says otherwise.</summary>
    public const long DefaultInitialSize = 64 * 1024;

    // A queue file is at least this large (MappedQueue.Open's own lower bound), and at most 16 TiB.
    private const long MinimumSize = 4096;
    private const long MaximumSize = 1L << 44;

    private const string Help =
        """
        Work with a persistent queue file (MappedQueue's format: a checksummed FIFO of byte items). Without a verb, prints info.
        Only push creates a file; pop, peek, info and verify never create one, and peek, info and verify never change one.

        Items are pushed as UTF-8 text and printed as text when they are printable UTF-8, else as 0x and hexadecimal digits.

        Exit codes: 0 done; 1 bad command line; 2 no such file; 3 not a queue file (left untouched); 4 the queue is empty
        (pop, peek); 5 the queue is damaged (verify found damage, or the item pop or peek would return is damaged); 6
        permission denied, or FILE is a directory; 7 any other error, such as the queue being open in another process.
        """;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The queue file." };
        var command = new Command("queue", Help);
        command.Arguments.Add(file);
        command.SetAction(result => Run(result.GetValue(file)!, "info", Info));

        var text = new Argument<string>("TEXT") { Description = "The item to push, stored as UTF-8 (quote it if it has spaces)." };
        var initialSize = new Option<long>("--initial-size")
        {
            Description = $"The size in bytes of the file when push creates it: from {MinimumSize} to 2^44. The queue grows as needed and shrinks back to this size when drained.",
            HelpName = "BYTES",
            DefaultValueFactory = _ => DefaultInitialSize,
        };
        initialSize.Validators.Add(option =>
        {
            // A value that is no number at all is the parser's own error (a usage error, as this one is).
            if (option.Tokens is [var token]
                && long.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
                && value is < MinimumSize or > MaximumSize)
            {
                option.AddError($"--initial-size must be from {MinimumSize} to {MaximumSize} bytes, not {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        var push = new Command(
            "push",
            $"Append TEXT at the tail, creating FILE if it does not exist (with --initial-size bytes, default {DefaultInitialSize}). Prints the item count.");
        push.Arguments.Add(text);
        push.Options.Add(initialSize);
        push.SetAction(result => Run(result.GetValue(file)!, "push", path => Push(path, result.GetValue(text)!, result.GetValue(initialSize))));
        command.Subcommands.Add(push);

        command.Subcommands.Add(Verb(file, "pop", "Remove the item at the head and print it; a drained queue shrinks back to its initial size.", Pop));
        command.Subcommands.Add(Verb(file, "peek", "Print the item at the head without removing it.", Peek));
        command.Subcommands.Add(Verb(file, "info", "Print the item count, the sizes and the cursors.", Info));
        command.Subcommands.Add(Verb(
            file, "verify", "Check both header slots and every item's CRC32C without changing the file; prints OK, DAMAGED or NOT A QUEUE.", Verify));
        return command;
    }

    private static Command Verb(Argument<string> file, string name, string description, Func<string, int> action)
    {
        var command = new Command(name, description);
        command.SetAction(result => Run(result.GetValue(file)!, name, action));
        return command;
    }

    /// <summary>Runs <paramref name="action"/> on an existing queue file (or, for push, any path) and maps failures to exit codes.</summary>
    private static int Run(string path, string verb, Func<string, int> action)
    {
        if (path.Length == 0)
        {
            return Fail(verb, ExitCodes.Usage, "FILE must not be empty.");
        }

        if (Directory.Exists(path))
        {
            return Fail(verb, ExitCodes.Denied, $"'{path}' is a directory, not a queue file.");
        }

        if (verb != "push" && !File.Exists(path))
        {
            return Fail(verb, ExitCodes.Missing, $"'{path}' does not exist (create it with: emmap queue FILE push TEXT).");
        }

        try
        {
            return action(path);
        }
        catch (StandardOutputException ex)
        {
            return Fail(verb, ExitCodes.Failed, ex.Message);
        }
        catch (FileNotFoundException)
        {
            return Fail(verb, ExitCodes.Missing, $"'{path}' does not exist.");
        }
        catch (DirectoryNotFoundException)
        {
            return Fail(verb, ExitCodes.Missing, $"the directory of '{path}' does not exist.");
        }
        catch (InvalidDataException ex)
        {
            return Fail(verb, ExitCodes.Invalid, $"{ex.Message} The file was not changed.");
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(verb, ExitCodes.Denied, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException)
        {
            // An I/O error, the queue open in another process, an item too large for a fixed-size queue.
            return Fail(verb, ExitCodes.Failed, ex.Message);
        }
    }

    private static int Push(string path, string text, long initialSize)
    {
        bool existed = File.Exists(path);
        using MappedQueue queue = MappedQueue.Open(path, initialSize);
        queue.Push(Encoding.UTF8.GetBytes(text));
        string created = existed ? string.Empty : $" (created the queue with {Bytes(initialSize)})";
        StandardOutput.WriteLine($"pushed 1 item to '{path}'{created}; {Items(queue.Count)} in the queue", "the item was pushed");
        return ExitCodes.Ok;
    }

    private static int Pop(string path)
    {
        // Look first, read-only: a damaged head is reported with the file untouched. A writable open whose pop meets the damage
        // would close on a header that gives up the damaged item and every item behind it.
        using (MappedQueue look = MappedQueue.Open(path, MinimumSize, new QueueOptions { ReadOnly = true }))
        {
            if (!TryPeekFront(look, "pop", out _, out int failure))
            {
                return failure;
            }
        }

        using MappedQueue queue = MappedQueue.Open(path, MinimumSize);
        bool popped;
        try
        {
            // The item is printed before it leaves the queue: if standard output cannot take it, it stays at the head.
            popped = queue.TryPopAndPurge(static item => { StandardOutput.WriteLine(Show(item.ToArray()), "the item stays in the queue"); return 0; }, out _);
        }
        catch (InvalidDataException ex)
        {
            // Damage the look did not see (the file changed in between): the queue gives up the damaged items at its close.
            return Fail("pop", ExitDamaged, $"{ex.Message} Run 'emmap queue FILE verify' for the whole report.");
        }

        return popped ? ExitCodes.Ok : Fail(null, ExitEmpty, $"the queue '{path}' is empty.");
    }

    private static int Peek(string path)
    {
        using MappedQueue queue = MappedQueue.Open(path, MinimumSize, new QueueOptions { ReadOnly = true });
        return TryPeekFront(queue, "peek", out byte[]? item, out int failure) ? Print(path, item) : failure;
    }

    // The head item of a read-only queue; false, with the damage reported, if it is damaged (the file is not changed).
    private static bool TryPeekFront(MappedQueue queue, string verb, out byte[]? item, out int failure)
    {
        try
        {
            item = queue.PeekFront();
            failure = ExitCodes.Ok;
            return true;
        }
        catch (InvalidDataException ex)
        {
            item = null;
            failure = Fail(verb, ExitDamaged, $"{ex.Message} The file was not changed; run 'emmap queue FILE verify' for the whole report.");
            return false;
        }
    }

    private static int Info(string path)
    {
        using MappedQueue queue = MappedQueue.Open(path, MinimumSize, new QueueOptions { ReadOnly = true });
        QueueMetadata m = queue.GetMetadata();
        StandardOutput.WriteLine($"file:            {queue.Path}");
        StandardOutput.WriteLine($"items:           {m.Count.ToString(CultureInfo.InvariantCulture)}");
        StandardOutput.WriteLine($"file size:       {Bytes(m.FileSize)} (created with {Bytes(m.InitialSize)})");
        StandardOutput.WriteLine($"ring:            {Bytes(m.RingSize)} at offset {m.RingOffset.ToString(CultureInfo.InvariantCulture)}, {Bytes(m.UsedBytes)} used, {Bytes(m.FreeBytes)} free");
        StandardOutput.WriteLine($"head:            position {m.Head.ToString(CultureInfo.InvariantCulture)} (file offset {m.HeadOffset.ToString(CultureInfo.InvariantCulture)})");
        StandardOutput.WriteLine($"tail:            position {m.Tail.ToString(CultureInfo.InvariantCulture)} (file offset {m.TailOffset.ToString(CultureInfo.InvariantCulture)})");
        StandardOutput.WriteLine($"header sequence: {m.HeaderSequence.ToString(CultureInfo.InvariantCulture)}");
        return ExitCodes.Ok;
    }

    private static int Verify(string path)
    {
        long ringBytes = Math.Max(1, new FileInfo(path).Length - 1024);
        bool showProgress = ringBytes >= 64L << 20;
        var progress = new Progress(checkedBytes =>
        {
            if (showProgress)
            {
                Console.Error.WriteLine($"verified {Bytes(checkedBytes)} of at most {Bytes(ringBytes)} ({Math.Min(100, checkedBytes * 100 / ringBytes)}%)");
            }
        });

        QueueVerification report = MappedQueue.Verify(path, progress);
        if (!report.IsQueue)
        {
            StandardOutput.WriteLine($"NOT A QUEUE: {report.Path}");
            foreach (string problem in report.Problems)
            {
                StandardOutput.WriteLine($"  {problem}");
            }

            return ExitCodes.Invalid;
        }

        StandardOutput.WriteLine($"{(report.IsIntact ? "OK" : "DAMAGED")}: {report.Path}");
        StandardOutput.WriteLine($"  {Items(report.ItemsChecked)} and {Bytes(report.BytesChecked)} of payload checked against their CRC32C");
        foreach (string problem in report.Problems)
        {
            StandardOutput.WriteLine($"  problem: {problem}");
        }

        foreach (string note in report.Notes)
        {
            StandardOutput.WriteLine($"  note: {note}");
        }

        return report.IsIntact ? ExitCodes.Ok : ExitDamaged;
    }

    private static int Print(string path, byte[]? item)
    {
        if (item is null)
        {
            return Fail(null, ExitEmpty, $"the queue '{path}' is empty.");
        }

        StandardOutput.WriteLine(Show(item));
        return ExitCodes.Ok;
    }

    /// <summary>Shows an item as text when it is printable UTF-8, else as hexadecimal.</summary>
    private static string Show(byte[] item)
    {
        try
        {
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(item);
            foreach (char c in text)
            {
                if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
                {
                    return "0x" + Convert.ToHexString(item);
                }
            }

            return text;
        }
        catch (DecoderFallbackException)
        {
            return "0x" + Convert.ToHexString(item);
        }
    }

    private static int Fail(string? verb, int code, string message)
    {
        Console.Error.WriteLine(verb is null ? $"emmap queue: {message}" : $"emmap queue {verb}: {message}");
        return code;
    }

    private static string Items(long count) => count == 1 ? "1 item" : $"{count.ToString(CultureInfo.InvariantCulture)} items";

    private static string Bytes(long count) => count switch
    {
        >= 1L << 30 => $"{(count / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture)} GiB",
        >= 1L << 20 => $"{(count / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture)} MiB",
        >= 1L << 10 => $"{(count / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)} KiB",
        1 => "1 byte",
        _ => $"{count.ToString(CultureInfo.InvariantCulture)} bytes",
    };

    /// <summary>Reports progress synchronously (System.Progress posts to the thread pool, which would reorder the lines).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
