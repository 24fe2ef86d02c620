using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Cli;

/// <summary><c>emmap counters FILE ...</c> run as a real process, as scripts and operators run it.</summary>
[TestFixture]
public sealed class CountersCommandTests
{
    // The exit codes documented in the command's help.
    private const int Usage = 1;
    private const int Missing = 2;
    private const int Invalid = 3;
    private const int CountMismatch = 4;
    private const int IndexOutOfRange = 5;
    private const int Denied = 6;

    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("c.bin");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    [LinuxOnly("sends standard output to /dev/full")]
    public void IncAndRead_StandardOutputCannotBeWritten_FailWithExit7SayingWhatHappenedToTheFile()
    {
        EmmapCli.Run("counters", _path, "create", "1").ExitCode.ShouldBe(0);

        CliResult inc = EmmapCli.RunWithFullOutput("counters", _path, "inc", "0");
        CliResult read = EmmapCli.RunWithFullOutput("counters", _path, "read", "0");

        inc.ExitCode.ShouldBe(7, inc.ToString());
        inc.Error.ShouldContain("standard output could not be written");
        inc.Error.ShouldContain("counter 0 was changed (it held 0)");
        read.ExitCode.ShouldBe(7, read.ToString());
        read.Error.ShouldContain("the file was not changed");
        EmmapCli.Run("counters", _path, "read", "0").Output.ShouldBe("1\n");
    }

    [Test]
    public void Create_MissingFile_CreatesEmmapFileOfZeroCounters()
    {
        CliResult result = EmmapCli.Run("counters", _path, "create", "3");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Lines.ShouldBe(new[] { $"created '{_path}' with 3 counters, all 0" });
        byte[] bytes = SharedFile.ReadAllBytes(_path);
        bytes.Length.ShouldBe(40);
        bytes[..8].ShouldBe("EMMAP01\n"u8.ToArray());
        BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)).ShouldBe(3);
        bytes[16..].ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Create_ExistingFileWithSameCount_SucceedsAndKeepsValues()
    {
        WriteCounters(5, 6);

        CliResult result = EmmapCli.Run("counters", _path, "create", "2");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Lines.ShouldBe(new[] { $"'{_path}' already has 2 counters; left as it was" });
        ReadCounters().ShouldBe(new long[] { 5, 6 });
    }

    [Test]
    public void Create_ExistingFileWithOtherCount_ExitsWithCountMismatchAndLeavesFile()
    {
        WriteCounters(5, 6);
        byte[] before = SharedFile.ReadAllBytes(_path);

        CliResult result = EmmapCli.Run("counters", _path, "create", "3");

        result.ExitCode.ShouldBe(CountMismatch, result.ToString());
        result.Error.ShouldContain("already has 2 counters, not 3");
        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Create_CountBelowOne_ExitsWithUsageErrorAndCreatesNothing([Values("0", "-2", "many")] string count)
    {
        CliResult result = EmmapCli.Run("counters", _path, "create", count);

        result.ExitCode.ShouldBe(Usage, result.ToString());
        File.Exists(_path).ShouldBeFalse();
    }

    [Test]
    public void Verbs_SeedReadmeSequence_PrintTheReadmeValues()
    {
        EmmapCli.Run("counters", _path, "create", "2").ExitCode.ShouldBe(0);

        string[] printed =
        [
            Single("inc", "0"),
            Single("inc", "0", "5"),
            Single("increment", "0"),
            Single("inc", "0", "2"),
            Single("set", "0", "15"),
            Single("read", "0"),
        ];

        printed.ShouldBe(new[] { "0", "1", "6", "7", "9", "15" });
    }

    [Test]
    public void Dec_WithAndWithoutAmount_PrintsOldValueAndSubtracts()
    {
        WriteCounters(10);

        Single("dec", "0").ShouldBe("10");
        Single("decrement", "0", "4").ShouldBe("9");

        ReadCounters().ShouldBe(new long[] { 5 });
    }

    [Test]
    public void Set_NegativeAndExtremeValues_PrintsOldValueAndStores()
    {
        WriteCounters(1, 2);

        Single("set", "1", "-7").ShouldBe("2");
        Single("set", "0", "-9223372036854775808").ShouldBe("1");

        ReadCounters().ShouldBe(new long[] { long.MinValue, -7 });
    }

    [Test]
    public void List_CounterFile_PrintsIndexTabValuePerLine()
    {
        WriteCounters(15, -1, long.MaxValue);

        CliResult result = EmmapCli.Run("counters", _path, "list");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Lines.ShouldBe(new[] { "0\t15", "1\t-1", "2\t9223372036854775807" });
    }

    [Test]
    public void NoVerb_CounterFile_ListsCounters()
    {
        WriteCounters(4, 2);

        EmmapCli.Run("counters", _path).Lines.ShouldBe(new[] { "0\t4", "1\t2" });
    }

    [Test]
    public void Count_CounterFile_PrintsNumberOfCounters()
    {
        WriteCounters(0, 0, 0, 0);

        Single("count").ShouldBe("4");
    }

    [Test]
    public void Verbs_MissingFile_ExitWithMissingAndCreateNothing([Values("list", "read", "inc", "set")] string verb)
    {
        string[] arguments = verb switch
        {
            "list" => ["counters", _path, "list"],
            "set" => ["counters", _path, "set", "0", "1"],
            _ => ["counters", _path, verb, "0"],
        };

        CliResult result = EmmapCli.Run(arguments);

        result.ExitCode.ShouldBe(Missing, result.ToString());
        result.Error.ShouldContain("does not exist");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Verbs_NotACounterFile_ExitWithInvalidAndLeaveFileUntouched([Values("list", "inc", "create")] string verb)
    {
        byte[] garbage = [.. "EMMAP02\n"u8, 1, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9];
        File.WriteAllBytes(_path, garbage);
        string[] arguments = verb switch
        {
            "list" => ["counters", _path],
            "create" => ["counters", _path, "create", "1"],
            _ => ["counters", _path, verb, "0"],
        };

        CliResult result = EmmapCli.Run(arguments);

        result.ExitCode.ShouldBe(Invalid, result.ToString());
        result.Error.ShouldContain("not a counter file");
        SharedFile.ReadAllBytes(_path).ShouldBe(garbage);
    }

    [Test]
    public void Verbs_IndexOutOfRange_ExitWithIndexOutOfRangeAndChangeNothing([Values("-1", "2", "99", "2147483648", "-4294967296")] string index)
    {
        WriteCounters(1, 2);

        CliResult result = EmmapCli.Run("counters", _path, "inc", index);

        result.ExitCode.ShouldBe(IndexOutOfRange, result.ToString());
        result.Error.ShouldContain("out of range");
        ReadCounters().ShouldBe(new long[] { 1, 2 });
    }

    [Test]
    public void Verbs_IndexOnAFileWithNoCounters_SaysItHasNone()
    {
        byte[] header = new byte[16];
        "EMMAP01\n"u8.CopyTo(header);
        File.WriteAllBytes(_path, header);

        CliResult result = EmmapCli.Run("counters", _path, "read", "0");

        result.ExitCode.ShouldBe(IndexOutOfRange, result.ToString());
        result.Error.ShouldContain("has no counters");

        // No range of valid indexes that ends at -1; the file's path (a random name) is left out of the look.
        result.Error.Replace(_path, "file", StringComparison.Ordinal).ShouldNotContain("-1");
    }

    [Test]
    [LinuxOnly("makes the file read-only, and immutable with chattr for root, whom file modes do not stop")]
    public void Create_ExistingFileThatThisUserCannotWrite_ComparesTheCountReadOnly([Values(2, 3)] int count)
    {
        WriteCounters(5, 6);
        byte[] before = SharedFile.ReadAllBytes(_path);
        MakeUnwritable(_path, true);
        try
        {
            CliResult result = EmmapCli.Run("counters", _path, "create", count.ToString(System.Globalization.CultureInfo.InvariantCulture));

            if (count == 2)
            {
                result.ExitCode.ShouldBe(0, result.ToString());
                result.Lines.ShouldBe(new[] { $"'{_path}' already has 2 counters; left as it was" });
            }
            else
            {
                result.ExitCode.ShouldBe(CountMismatch, result.ToString());
                result.Error.ShouldContain("already has 2 counters, not 3");
            }
        }
        finally
        {
            MakeUnwritable(_path, false);
        }

        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void Verbs_Directory_ExitWithDenied()
    {
        CliResult result = EmmapCli.Run("counters", _dir.Path, "list");

        result.ExitCode.ShouldBe(Denied, result.ToString());
        result.Error.ShouldContain("directory");
    }

    [Test]
    public void Create_Directory_ExitsWithDeniedAndSaysItIsADirectory()
    {
        CliResult result = EmmapCli.Run("counters", _dir.Path, "create", "2");

        result.ExitCode.ShouldBe(Denied, result.ToString());
        result.Error.ShouldContain("is a directory");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Verbs_ExtraArguments_AreRefusedAndChangeNothing([Values("list", "count", "read", "inc", "set", "create")] string verb)
    {
        WriteCounters(1, 2);
        string[] arguments = verb switch
        {
            "list" or "count" => ["counters", _path, verb, "extra"],
            "read" => ["counters", _path, "read", "0", "extra"],
            "create" => ["counters", _path, "create", "2", "extra"],
            _ => ["counters", _path, verb, "0", "1", "extra"],
        };

        CliResult result = EmmapCli.Run(arguments);

        result.ExitCode.ShouldBe(Usage, result.ToString());
        result.Error.ShouldContain("'extra'");
        ReadCounters().ShouldBe(new long[] { 1, 2 });
    }

    [Test]
    public void Verbs_GarbageFile_ExitWithInvalidWithoutAStackTrace()
    {
        File.WriteAllText(_path, "garbage");

        CliResult result = EmmapCli.Run("counters", _path, "inc", "0");

        result.ExitCode.ShouldBe(Invalid, result.ToString());
        (result.Output + result.Error).ShouldNotContain("   at ");
        (result.Output + result.Error).ShouldNotContain("Exception");
        SharedFile.ReadAllText(_path).ShouldBe("garbage");
    }

    [Test]
    public void Verbs_EmptyFile_ExitWithUsageAndCreateNothing([Values("list", "read", "create")] string verb)
    {
        string[] arguments = verb switch
        {
            "list" => ["counters", ""],
            "read" => ["counters", "", "read", "0"],
            _ => ["counters", "", "create", "2"],
        };

        CliResult result = EmmapCli.Run(arguments);

        result.ExitCode.ShouldBe(Usage, result.ToString());
        result.Error.ShouldContain("FILE must not be empty");
    }

    [Test]
    public void Verbs_BadNumber_ExitWithUsageAndChangeNothing()
    {
        WriteCounters(1);

        EmmapCli.Run("counters", _path, "inc", "0", "1.5").ExitCode.ShouldBe(Usage);
        EmmapCli.Run("counters", _path, "set", "0", "9223372036854775808").ExitCode.ShouldBe(Usage);

        ReadCounters().ShouldBe(new long[] { 1 });
    }

    [Test]
    public void Help_Counters_DocumentsEveryExitCode()
    {
        CliResult result = EmmapCli.Run("counters", "--help");

        result.ExitCode.ShouldBe(0);
        result.Output.ShouldContain("Exit codes: 0 ok; 1 bad command line; 2 no such file; 3 not a valid counter file");
        result.Output.ShouldContain("6 permission denied, or FILE is");
        result.Output.ShouldContain("7 any other error");
    }

    private string Single(params string[] verbAndArguments)
    {
        CliResult result = EmmapCli.Run(["counters", _path, .. verbAndArguments]);
        result.ExitCode.ShouldBe(0, result.ToString());
        return result.Output.Trim();
    }

    private void WriteCounters(params long[] values)
    {
        using var counters = MappedCounters.Open(_path, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            counters.Set(i, values[i]);
        }
    }

    private long[] ReadCounters()
    {
        using var counters = MappedCounters.Open(_path, 0);
        return Enumerable.Range(0, counters.Count).Select(counters.Read).ToArray();
    }

    // A user that file modes apply to cannot write a file of mode 0444; root can, so for root the file is made immutable.
    private static void MakeUnwritable(string path, bool unwritable)
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            File.SetUnixFileMode(path, unwritable
                ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            return;
        }

        SetImmutable(path, unwritable);
    }

    private static void SetImmutable(string path, bool immutable)
    {
        using var chattr = System.Diagnostics.Process.Start("chattr", [immutable ? "+i" : "-i", path])!;
        chattr.WaitForExit();
        if (chattr.ExitCode != 0)
        {
            Assert.Ignore("chattr cannot change the immutable flag on this file system.");
        }
    }
}
