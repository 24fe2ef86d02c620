using System;
using System.IO;
using System.Linq;
using System.Text;
using Emmap.Streams.Tests.Queue;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

using Emmap.Streams.TestHost;

namespace Emmap.Streams.Tests.Cli;

/// <summary><c>emmap queue FILE push TEXT | pop | peek | info | verify</c>, run as the real command in a child process.</summary>
[TestFixture]
public sealed class QueueCommandTests
{
    // The exit codes documented in the command's help.
    private const int Usage = 1;
    private const int Missing = 2;
    private const int Invalid = 3;
    private const int Empty = 4;
    private const int Damaged = 5;
    private const int Denied = 6;
    private const int Failed = 7;

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("cli.queue");

    [Test]
    public void PushThenPop_RoundTripsTextInOrder()
    {
        Emmap("push", "first").ExitCode.ShouldBe(0);
        Emmap("push", "zweite Zeile ü").ExitCode.ShouldBe(0);

        (int code, string output, _) = Emmap("pop");
        code.ShouldBe(0);
        output.ShouldBe("first\n");
        Emmap("pop").Output.ShouldBe("zweite Zeile ü\n");
        (int emptyCode, string emptyOutput, string errors) = Emmap("pop");
        emptyCode.ShouldBe(Empty);
        emptyOutput.ShouldBeEmpty();
        errors.ShouldContain("empty");
    }

    [Test]
    public void Push_NewFile_CreatesQueueOfInitialSize()
    {
        Emmap("push", "x", "--initial-size", "8192").ExitCode.ShouldBe(0);

        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.GetMetadata().InitialSize.ShouldBe(8192);
        Encoding.UTF8.GetString(queue.Pop()!).ShouldBe("x");
    }

    [Test]
    public void Peek_LeavesItem()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push("front"u8);
            queue.Push([0, 1, 2, 255]);
        }

        Emmap("peek").Output.ShouldBe("front\n");
        Emmap("pop").Output.ShouldBe("front\n");
        Emmap("peek").Output.ShouldBe("0x000102FF\n");
    }

    [Test]
    public void Info_PrintsCountSizesAndCursors()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push(new byte[100]);
            queue.Push(new byte[100]);
        }

        (int code, string output, _) = Emmap("info");

        code.ShouldBe(0);
        output.ShouldContain("items:           2");
        output.ShouldContain("file size:       4 KiB (created with 4 KiB)");
        output.ShouldContain("256 bytes used");
    }

    [Test]
    public void Verify_IntactQueue_ReportsOkAndExitsZero()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, 100));
            }
        }

        (int code, string output, _) = Emmap("verify");

        code.ShouldBe(0);
        output.ShouldStartWith("OK: ");
        output.ShouldContain("10 items and 1000 bytes of payload checked");
    }

    [Test]
    public void Verify_OneItemOfOneByte_CountsThemInTheSingular()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push([42]);
        }

        (int code, string output, _) = Emmap("verify");

        code.ShouldBe(0);
        output.ShouldContain("  1 item and 1 byte of payload checked against their CRC32C\n");
        output.ShouldContain("opening takes its count (1 item) without scanning.");
    }

    [Test]
    public void Verify_DamagedRecord_ReportsItAndExitsNonZeroWithoutRepairing()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, 100));
            }
        }

        byte[] bytes = SharedFile.ReadAllBytes(QueuePath);
        bytes[1024 + (6 * 128) + 40] ^= 0x01;
        File.WriteAllBytes(QueuePath, bytes);

        (int code, string output, _) = Emmap("verify");

        code.ShouldBe(Damaged);
        output.ShouldStartWith("DAMAGED: ");
        output.ShouldContain("6 items");
        output.ShouldContain("fails its check");
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(bytes);
    }

    [Test]
    public void Verify_NotAQueue_ExitsWithInvalid()
    {
        File.WriteAllText(QueuePath, "this is not a queue, just some text that is long enough");

        (int code, string output, _) = Emmap("verify");

        code.ShouldBe(Invalid);
        output.ShouldStartWith("NOT A QUEUE");
    }

    [Test]
    public void Verify_LargeQueue_ShowsProgress()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            byte[] item = new byte[1 << 20];
            for (int i = 0; i < 80; i++)
            {
                queue.Push(item);
            }
        }

        (int code, _, string errors) = Emmap("verify");

        code.ShouldBe(0);
        errors.Split('\n').Count(line => line.StartsWith("verified ", StringComparison.Ordinal)).ShouldBeGreaterThan(2);
    }

    [Test]
    [LinuxOnly("checks that the child died of SIGKILL (exit code 137)")]
    public void Pop_QueueOwnedByAnotherProcess_ExitsWithFailedAndSaysWhy()
    {
        MappedQueue.Open(QueuePath, 4096).Dispose();
        CliResult? whileHeld = null;

        QueueChildResult holder = QueueChild.Run(["queue-hold", QueuePath], TimeSpan.Zero, () => whileHeld = Emmap("pop"));

        holder.Killed.ShouldBeTrue(holder.Errors);
        whileHeld!.ExitCode.ShouldBe(Failed);
        whileHeld.Error.ShouldContain("open in process");
    }

    [Test]
    public void Push_NewFile_DefaultsTo64KiBAndSaysSoInOneLine()
    {
        CliResult pushed = Emmap("push", "first");

        pushed.ExitCode.ShouldBe(0, pushed.ToString());
        pushed.Lines.ShouldBe(new[] { $"pushed 1 item to '{QueuePath}' (created the queue with 64 KiB); 1 item in the queue" });
        new FileInfo(QueuePath).Length.ShouldBe(64 * 1024);
        Emmap("info").Output.ShouldContain("file size:       64 KiB (created with 64 KiB)");
    }

    [Test]
    public void NoVerb_ExistingQueue_PrintsInfo()
    {
        MappedQueue.Open(QueuePath, 8192).Dispose();

        CliResult result = Emmap();

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("file size:       8 KiB (created with 8 KiB)");
    }

    [Test]
    public void ReadingVerbs_MissingFile_ExitWithMissingAndCreateNothing([Values("pop", "peek", "info", "verify", "")] string verb)
    {
        CliResult result = verb.Length == 0 ? Emmap() : Emmap(verb);

        result.ExitCode.ShouldBe(Missing, result.ToString());
        result.Error.ShouldContain("does not exist");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
        NoStackTrace(result);
    }

    [Test]
    public void ReadingVerbs_NotAQueue_ExitWithInvalidInPlainWordsAndLeaveTheFile(
        [Values("pop", "peek", "info", "verify")] string verb, [Values("garbage", "empty", "counters")] string kind)
    {
        byte[] content = kind switch
        {
            "garbage" => Encoding.UTF8.GetBytes("garbage, and not nearly a queue\n"),
            "empty" => [],
            _ => CounterFile(),
        };
        File.WriteAllBytes(QueuePath, content);

        CliResult result = Emmap(verb);

        result.ExitCode.ShouldBe(Invalid, result.ToString());
        (verb == "verify" ? result.Output : result.Error).ShouldMatch("(?i)not an? (Emmap.Streams )?queue");
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(content);
        NoStackTrace(result);
    }

    [Test]
    public void ReadOnlyVerbs_ValidQueue_LeaveTheFileByteForByte([Values("peek", "info", "verify", "")] string verb)
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push("one"u8);
            queue.Push("two"u8);
        }

        byte[] before = SharedFile.ReadAllBytes(QueuePath);
        DateTime written = File.GetLastWriteTimeUtc(QueuePath);

        CliResult result = verb.Length == 0 ? Emmap() : Emmap(verb);

        result.ExitCode.ShouldBe(0, result.ToString());
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(before);
        File.GetLastWriteTimeUtc(QueuePath).ShouldBe(written);
    }

    [Test]
    public void Verbs_Directory_ExitWithDeniedAndSayItIsADirectory([Values("push", "pop", "peek", "info", "verify")] string verb)
    {
        CliResult result = verb == "push"
            ? EmmapCli.Run("queue", _dir.Path, "push", "x")
            : EmmapCli.Run("queue", _dir.Path, verb);

        result.ExitCode.ShouldBe(Denied, result.ToString());
        result.Error.ShouldContain("is a directory");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
        NoStackTrace(result);
    }

    [Test]
    public void Push_WithoutText_IsAUsageErrorAndCreatesNothing()
    {
        CliResult result = Emmap("push");

        result.ExitCode.ShouldBe(Usage, result.ToString());
        result.Error.ShouldContain("TEXT");
        File.Exists(QueuePath).ShouldBeFalse();
    }

    [Test]
    public void Verbs_EmptyFile_IsAUsageError([Values("push", "pop", "info")] string verb)
    {
        CliResult result = verb == "push" ? EmmapCli.Run("queue", "", "push", "x") : EmmapCli.Run("queue", "", verb);

        result.ExitCode.ShouldBe(Usage, result.ToString());
        result.Error.ShouldContain("FILE must not be empty");
        NoStackTrace(result);
    }

    [Test]
    public void Verbs_ExtraArguments_AreRefusedAndChangeNothing([Values("push", "pop", "peek", "info", "verify")] string verb)
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push("kept"u8);
        }

        byte[] before = SharedFile.ReadAllBytes(QueuePath);

        CliResult result = verb == "push" ? Emmap("push", "two", "words") : Emmap(verb, "extra");

        result.ExitCode.ShouldBe(Usage, result.ToString());
        result.Error.ShouldContain(verb == "push" ? "'words'" : "'extra'");
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(before);
    }

    [Test]
    public void Push_InitialSizeThatIsNoNumber_IsAUsageErrorAndCreatesNothing([Values("abc", "99999999999999999999", "4k")] string size)
    {
        CliResult result = Emmap("push", "x", "--initial-size", size);

        result.ExitCode.ShouldBe(Usage, result.ToString());
        File.Exists(QueuePath).ShouldBeFalse();
    }

    [Test]
    public void Push_FileNameStartingWithAt_IsThatFileNotAListOfArguments()
    {
        string elsewhere = _dir.File("elsewhere.queue");
        string listing = _dir.File("listing");
        File.WriteAllText(listing, elsewhere + "\n");

        // "@" + an absolute path names a file under a directory "@" of the working directory, which does not exist.
        CliResult result = EmmapCli.Run("queue", "@" + listing, "push", "hi");

        File.Exists(elsewhere).ShouldBeFalse($"the command wrote to a file named inside '{listing}':\n{result}");
        result.ExitCode.ShouldBe(Missing, result.ToString());
    }

    [Test]
    public void PopAndPeek_DamagedHead_ReportTheDamageAndLeaveTheFileAsItWas([Values("pop", "peek")] string verb)
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push("hello"u8);
            queue.Push("world"u8);
        }

        byte[] bytes = SharedFile.ReadAllBytes(QueuePath);
        bytes[1024 + 16] ^= 0x01; // the first item's payload: its CRC32C no longer matches
        File.WriteAllBytes(QueuePath, bytes);

        CliResult result = Emmap(verb);

        result.ExitCode.ShouldBe(Damaged, result.ToString());
        result.Error.ShouldContain("checksum");
        result.Error.ShouldContain("not changed");
        SharedFile.ReadAllBytes(QueuePath).ShouldBe(bytes);
    }

    [Test]
    public void Push_InitialSizeOutOfRange_IsAUsageErrorInPlainWords([Values("100", "4095", "-1", "17592186044417")] string size)
    {
        CliResult result = Emmap("push", "x", "--initial-size", size);

        result.ExitCode.ShouldBe(Usage, result.ToString());
        result.Error.ShouldContain($"--initial-size must be from 4096 to 17592186044416 bytes, not {size}.");
        result.Error.ShouldNotContain("Exception");
        File.Exists(QueuePath).ShouldBeFalse();
    }

    [Test]
    public void Help_Queue_DocumentsEveryExitCodeAndNamesArgumentsAsCountersDoes()
    {
        CliResult queue = EmmapCli.Run("queue", "--help");
        CliResult counters = EmmapCli.Run("counters", "--help");

        queue.ExitCode.ShouldBe(0);
        queue.Output.ShouldContain("Exit codes: 0 done; 1 bad command line; 2 no such file; 3 not a queue file (left untouched); 4 the queue is empty");
        queue.Output.ShouldContain("5 the queue is damaged (verify found damage, or the item pop or peek would return is damaged); 6");
        queue.Output.ShouldContain("permission denied, or FILE is a directory; 7 any other error");
        queue.Output.ShouldContain("emmap queue <FILE> [command] [options]");
        counters.Output.ShouldContain("emmap counters <FILE> [command] [options]");
        EmmapCli.Run("queue", "f", "push", "--help").Output.ShouldContain("emmap queue <FILE> push <TEXT> [options]");
    }

    private static void NoStackTrace(CliResult result)
    {
        string all = result.Output + result.Error;
        all.ShouldNotContain("   at ");
        all.ShouldNotContain("Unhandled exception");
        all.ShouldNotContain("Exception:");
    }

    private byte[] CounterFile()
    {
        string path = _dir.File("counters.bin");
        MappedCounters.Open(path, 2).Dispose();
        byte[] bytes = SharedFile.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    [Test]
    [LinuxOnly("sends standard output to /dev/full")]
    public void Pop_StandardOutputCannotBeWritten_FailsAndTheItemStays()
    {
        Emmap("push", "one").ExitCode.ShouldBe(0);
        Emmap("push", "two").ExitCode.ShouldBe(0);

        CliResult failed = EmmapCli.RunWithFullOutput("queue", QueuePath, "pop");

        failed.ExitCode.ShouldBe(Failed, failed.ToString());
        failed.Error.ShouldContain("standard output could not be written");
        failed.Error.ShouldContain("the item stays in the queue");
        Emmap("pop").Output.ShouldBe("one\n");
        Emmap("pop").Output.ShouldBe("two\n");
    }

    [Test]
    [LinuxOnly("sends standard output to /dev/full")]
    public void Push_StandardOutputCannotBeWritten_FailsSayingTheItemWasPushed()
    {
        CliResult failed = EmmapCli.RunWithFullOutput("queue", QueuePath, "push", "one");

        failed.ExitCode.ShouldBe(Failed, failed.ToString());
        failed.Error.ShouldContain("the item was pushed");
        Emmap("pop").Output.ShouldBe("one\n");
    }

    private CliResult Emmap(params string[] args) => EmmapCli.Run(["queue", QueuePath, .. args]);
}
