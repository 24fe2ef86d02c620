using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text;

namespace Emmap.Streams.Cli.Commands;

/// <summary>
/// <c>emmap queue FILE push TEXT | pop | peek | info | verify</c>: push, pop, peek, inspect and verify a persistent queue file.
/// Exit codes: 0 done; 1 usage error; 2 error (not a queue, in use by another process, I/O error); 3 the queue is empty
/// (<c>pop</c>, <c>peek</c>); 4 <c>verify</c> found damage.
/// </summary>
internal static class QueueCommand
{
    private const int Ok = 0;
    private const int Failed = 2;
    private const int Empty = 3;
    private const int Damaged = 4;

    // Opening an existing queue needs no size; this is only the smallest legal value.
    private const long QueueMinimum = 4096;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The queue file." };
        var verb = new Argument<string>("verb") { Description = "push TEXT, pop, peek, info or verify." };
        verb.AcceptOnlyFromAmong("push", "pop", "peek", "info", "verify");
        var text = new Argument<string?>("text") { Description = "The item to push, stored as UTF-8.", Arity = ArgumentArity.ZeroOrOne };
        var initialSize = new Option<long>("--initial-size")
        {
            Description = "The size in bytes of a queue that push creates (at least 4096).",
            DefaultValueFactory = _ => 65536,
        };
        var command = new Command(
            "queue",
            "Work with a persistent queue file: push TEXT, pop, peek, info, verify. " +
            "Exit codes: 0 done, 1 usage error, 2 error, 3 queue empty (pop, peek), 4 verify found damage.");
        command.Arguments.Add(file);
        command.Arguments.Add(verb);
        command.Arguments.Add(text);
        command.Options.Add(initialSize);
        command.SetAction(result => Run(
            result.GetValue(file)!,
            result.GetValue(verb)!,
            result.GetValue(text),
            result.GetValue(initialSize)));
        return command;
    }

    private static int Run(string path, string verb, string? text, long initialSize)
    {
        try
        {
            return verb switch
            {
                "push" => Push(path, text, initialSize),
                "pop" => Pop(path),
                "peek" => Peek(path),
                "info" => Info(path),
                _ => Verify(path),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // InvalidDataException (not a queue, damaged beyond recovery) and FileNotFoundException are IOExceptions too.
            Console.Error.WriteLine($"emmap queue {verb}: {ex.Message}");
            return Failed;
        }
    }

    private static int Push(string path, string? text, long initialSize)
    {
        if (text is null)
        {
            Console.Error.WriteLine("emmap queue push: give the TEXT to push.");
            return Failed;
        }

        using MappedQueue queue = MappedQueue.Open(path, initialSize);
        queue.Push(Encoding.UTF8.GetBytes(text));
        Console.WriteLine($"pushed; {Items(queue.Count)} in the queue");
        return Ok;
    }

    private static int Pop(string path)
    {
        using MappedQueue queue = MappedQueue.Open(path, QueueMinimum);
        return Print(queue.PopAndPurge());
    }

    private static int Peek(string path)
    {
        using MappedQueue queue = MappedQueue.Open(path, QueueMinimum, new QueueOptions { ReadOnly = true });
        return Print(queue.PeekFront());
    }

    private static int Info(string path)
    {
        using MappedQueue queue = MappedQueue.Open(path, QueueMinimum, new QueueOptions { ReadOnly = true });
        QueueMetadata m = queue.GetMetadata();
        Console.WriteLine($"file:            {queue.Path}");
        Console.WriteLine($"items:           {m.Count.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"file size:       {Bytes(m.FileSize)} (created with {Bytes(m.InitialSize)})");
        Console.WriteLine($"ring:            {Bytes(m.RingSize)} at offset {m.RingOffset.ToString(CultureInfo.InvariantCulture)}, {Bytes(m.UsedBytes)} used, {Bytes(m.FreeBytes)} free");
        Console.WriteLine($"head:            position {m.Head.ToString(CultureInfo.InvariantCulture)} (file offset {m.HeadOffset.ToString(CultureInfo.InvariantCulture)})");
        Console.WriteLine($"tail:            position {m.Tail.ToString(CultureInfo.InvariantCulture)} (file offset {m.TailOffset.ToString(CultureInfo.InvariantCulture)})");
        Console.WriteLine($"header sequence: {m.HeaderSequence.ToString(CultureInfo.InvariantCulture)}");
        return Ok;
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
            Console.WriteLine($"NOT A QUEUE: {report.Path}");
            foreach (string problem in report.Problems)
            {
                Console.WriteLine($"  {problem}");
            }

            return Failed;
        }

        Console.WriteLine($"{(report.IsIntact ? "OK" : "DAMAGED")}: {report.Path}");
        Console.WriteLine($"  {Items(report.ItemsChecked)} and {Bytes(report.BytesChecked)} of payload checked against their CRC32C");
        foreach (string problem in report.Problems)
        {
            Console.WriteLine($"  problem: {problem}");
        }

        foreach (string note in report.Notes)
        {
            Console.WriteLine($"  note: {note}");
        }

        return report.IsIntact ? Ok : Damaged;
    }

    private static int Print(byte[]? item)
    {
        if (item is null)
        {
            Console.Error.WriteLine("the queue is empty");
            return Empty;
        }

        Console.WriteLine(Show(item));
        return Ok;
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

    private static string Items(long count) => count == 1 ? "1 item" : $"{count.ToString(CultureInfo.InvariantCulture)} items";

    private static string Bytes(long count) => count switch
    {
        >= 1L << 30 => $"{(count / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture)} GiB",
        >= 1L << 20 => $"{(count / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture)} MiB",
        >= 1L << 10 => $"{(count / 1024.0).ToString("0.#", CultureInfo.InvariantCulture)} KiB",
        _ => $"{count.ToString(CultureInfo.InvariantCulture)} bytes",
    };

    /// <summary>Reports progress synchronously (System.Progress posts to the thread pool, which would reorder the lines).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
