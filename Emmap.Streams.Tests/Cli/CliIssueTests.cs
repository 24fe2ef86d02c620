using System;
using System.IO;
using System.Runtime.Versioning;
using System.Text;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Cli;

/// <summary>
/// Bad input to <c>emmap queue</c> and <c>emmap counters</c> that the other CLI tests do not reach: a push to a file that is not a
/// queue, a missing directory, read-only verbs on an empty queue or a counter file, and the one-line confirmation of a push.
/// </summary>
[TestFixture]
public sealed class CliIssueTests
{
    // The exit codes documented in the commands' help.
    private const int Missing = 2;
    private const int Invalid = 3;
    private const int Empty = 4;

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("issue.queue");

    private string CountersPath => _dir.File("issue.counters");

    [Test]
    public void QueuePush_ExistingFileThatIsNotAQueue_ExitsInvalidAndLeavesTheFile([Values("garbage", "empty", "counters")] string kind)
    {
        byte[] content = kind switch
        {
            "garbage" => Encoding.UTF8.GetBytes("garbage, and not nearly a queue\n"),
            "empty" => [],
            _ => CounterFileBytes(),
        };
        File.WriteAllBytes(QueuePath, content);

        CliResult result = EmmapCli.Run("queue", QueuePath, "push", "x");

        result.ExitCode.ShouldBe(Invalid, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldContain("The file was not changed.");
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(content);
        NoStackTrace(result);
    }

    [Test]
    public void QueuePeek_EmptyQueue_ExitsEmptyAndLeavesTheFileByteForByte()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push("gone"u8);
            queue.Pop();
        }

        byte[] before = SharedFile.ReadAllBytes(QueuePath);
        DateTime written = File.GetLastWriteTimeUtc(QueuePath);

        CliResult result = EmmapCli.Run("queue", QueuePath, "peek");

        result.ExitCode.ShouldBe(Empty, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldBe($"emmap queue: the queue '{QueuePath}' is empty.\n");
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(before);
        File.GetLastWriteTimeUtc(QueuePath).ShouldBe(written);
    }

    [Test]
    public void QueuePush_ExistingQueue_ConfirmsInOneLineWithTheCount()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push("one"u8);
        }

        CliResult result = EmmapCli.Run("queue", QueuePath, "push", "two");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Lines.ShouldBe(new[] { $"pushed 1 item to '{QueuePath}'; 2 items in the queue" });
        result.Error.ShouldBeEmpty();
        using var reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Pop().ShouldBe("one"u8.ToArray());
        reopened.Pop().ShouldBe("two"u8.ToArray());
    }

    [Test]
    public void CountersReadOnlyVerbs_LeaveTheFileByteForByte([Values("list", "count", "read", "")] string verb)
    {
        using (var counters = MappedCounters.Open(CountersPath, 2))
        {
            counters.Increment(1, 41);
        }

        byte[] before = SharedFile.ReadAllBytes(CountersPath);
        DateTime written = File.GetLastWriteTimeUtc(CountersPath);

        CliResult result = verb switch
        {
            "" => EmmapCli.Run("counters", CountersPath),
            "read" => EmmapCli.Run("counters", CountersPath, "read", "1"),
            _ => EmmapCli.Run("counters", CountersPath, verb),
        };

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Lines.ShouldBe(verb switch
        {
            "count" => new[] { "2" },
            "read" => new[] { "41" },
            _ => new[] { "0\t0", "1\t41" },
        });
        SharedFile.ReadAllBytes(CountersPath).ShouldBe(before);
        File.GetLastWriteTimeUtc(CountersPath).ShouldBe(written);
    }

    [Test]
    public void MissingDirectory_ExitsMissingInPlainWordsAndCreatesNothing([Values("queue push", "counters create", "counters inc")] string command)
    {
        string missing = Path.Combine(_dir.Path, "no-such-directory");
        string file = Path.Combine(missing, "f.bin");
        string[] words = command.Split(' ');
        string[] arguments = words[1] switch
        {
            "push" => ["queue", file, "push", "x"],
            "create" => ["counters", file, "create", "2"],
            _ => ["counters", file, "inc", "0"],
        };

        CliResult result = EmmapCli.Run(arguments);

        result.ExitCode.ShouldBe(Missing, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldStartWith($"emmap {words[0]}");
        result.Error.ShouldContain($"'{file}' does not exist", Case.Sensitive, "the message names the file and says it does not exist");
        Directory.Exists(missing).ShouldBeFalse();
        NoStackTrace(result);
    }

    [Test]
    [LinuxOnly("makes a named pipe with mkfifo")]
    public void Counters_NamedPipe_IsRefusedAtOnceWithoutWaitingForAReader([Values("create", "inc")] string verb)
    {
        string fifo = NamedPipe.Make(_dir.File("counters.fifo"));

        CliResult result = EmmapCli.Run("counters", fifo, verb, verb == "create" ? "2" : "0");

        result.ExitCode.ShouldBe(7, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldBe($"emmap counters: '{fifo}' is not a regular file (a pipe, a socket or a device), so it cannot be memory-mapped.\n");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { fifo });
    }

    [Test]
    [LinuxOnly("makes a named pipe with mkfifo")]
    public void Queue_NamedPipe_IsRefusedAsNotARegularFileNotAsAnEmptyQueue([Values("info", "pop", "push")] string verb)
    {
        string fifo = NamedPipe.Make(_dir.File("queue.fifo"));

        CliResult result = verb == "push" ? EmmapCli.Run("queue", fifo, verb, "x") : EmmapCli.Run("queue", fifo, verb);

        result.ExitCode.ShouldBe(7, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldBe($"emmap queue {verb}: '{fifo}' is not a regular file (a pipe, a socket or a device), so it cannot be memory-mapped.\n");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { fifo });
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void CountersReadingVerbs_DanglingSymbolicLink_SayTheFileDoesNotExist([Values("list", "read")] string verb)
    {
        string link = _dir.File("link.counters");
        File.CreateSymbolicLink(link, _dir.File("nowhere.counters"));

        CliResult result = verb == "read" ? EmmapCli.Run("counters", link, verb, "0") : EmmapCli.Run("counters", link, verb);

        result.ExitCode.ShouldBe(Missing, result.ToString());
        result.Output.ShouldBeEmpty();
        result.Error.ShouldBe($"emmap counters: '{link}' does not exist (create it with: emmap counters FILE create COUNT).\n");
        File.Exists(_dir.File("nowhere.counters")).ShouldBeFalse();
    }

    private static void NoStackTrace(CliResult result)
    {
        string all = result.Output + result.Error;
        all.ShouldNotContain("   at ");
        all.ShouldNotContain("Unhandled exception");
        all.ShouldNotContain("Exception:");
    }

    private byte[] CounterFileBytes()
    {
        string path = _dir.File("source.counters");
        MappedCounters.Open(path, 2).Dispose();
        byte[] bytes = SharedFile.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }
}
