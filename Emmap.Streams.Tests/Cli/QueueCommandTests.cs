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
        emptyCode.ShouldBe(3);
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
    public void Verify_DamagedRecord_ReportsItAndExitsNonZeroWithoutRepairing()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, 100));
            }
        }

        byte[] bytes = File.ReadAllBytes(QueuePath);
        bytes[1024 + (6 * 128) + 40] ^= 0x01;
        File.WriteAllBytes(QueuePath, bytes);

        (int code, string output, _) = Emmap("verify");

        code.ShouldBe(4);
        output.ShouldStartWith("DAMAGED: ");
        output.ShouldContain("6 items");
        output.ShouldContain("fails its check");
        File.ReadAllBytes(QueuePath).ShouldBe(bytes);
    }

    [Test]
    public void Verify_NotAQueue_ExitsTwo()
    {
        File.WriteAllText(QueuePath, "this is not a queue, just some text that is long enough");

        (int code, string output, _) = Emmap("verify");

        code.ShouldBe(2);
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
    public void Pop_QueueOwnedByAnotherProcess_ExitsTwo()
    {
        MappedQueue.Open(QueuePath, 4096).Dispose();
        CliResult? whileHeld = null;

        QueueChildResult holder = QueueChild.Run(["queue-hold", QueuePath], TimeSpan.Zero, () => whileHeld = Emmap("pop"));

        holder.Killed.ShouldBeTrue(holder.Errors);
        whileHeld!.ExitCode.ShouldBe(2);
        whileHeld.Error.ShouldContain("open in process");
    }

    [Test]
    public void Push_WithoutText_ExitsTwo()
    {
        Emmap("push").ExitCode.ShouldBe(2);
        File.Exists(QueuePath).ShouldBeFalse();
    }

    private CliResult Emmap(params string[] args) => EmmapCli.Run(["queue", QueuePath, .. args]);
}
