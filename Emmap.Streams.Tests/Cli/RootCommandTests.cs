using System.Linq;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Cli;

/// <summary><c>emmap</c> itself: its version, its help and a missing command.</summary>
[TestFixture]
public sealed class RootCommandTests
{
    [Test]
    public void Version_PrintsThePackageVersion()
    {
        CliResult result = EmmapCli.Run("--version");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldStartWith(typeof(MappedFileStream).Assembly.GetName().Version!.ToString(3));
    }

    [TestCase("--version", "extra")]
    [TestCase("extra", "--version")]
    [TestCase("--version", "counters")]
    public void Version_WithAnythingElseOnTheLine_IsAUsageErrorThatPrintsNoVersion(string first, string second)
    {
        CliResult result = EmmapCli.Run(first, second);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Output.ShouldBeEmpty(result.ToString());
        result.Error.ShouldContain("'--version' cannot be combined with other arguments or options.");
    }

    [Test]
    public void Help_ListsEachCommandOnOneLineAndTheSharedExitCodes()
    {
        CliResult result = EmmapCli.Run("--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("Exit codes: 0 done; 1 bad command line; 7 any other error.");
        string[] commands = result.Lines.SkipWhile(line => line != "Commands:").Skip(1).TakeWhile(line => line.Length > 0).ToArray();
        commands.Select(line => line.Trim().Split(' ')[0]).ShouldBe(new[] { "demo", "counters", "queue" });
    }

    [Test]
    public void NoCommand_IsAUsageError()
    {
        CliResult result = EmmapCli.Run();

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("Required command was not provided.");
    }

    [Test]
    public void BadCommandLine_IsOneLineOnStderrAndNothingOnStdout()
    {
        CliResult result = EmmapCli.Run("counters", "some.counters", "read", "x", "3");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Output.ShouldBeEmpty(result.ToString());
        result.Error.ShouldNotContain("Did you mean");
        result.Error.Trim().Split('\n').Length.ShouldBeLessThanOrEqualTo(2, result.ToString());
    }

    [TestCase("counters|c.counters|create|0", "emmap counters: COUNT must be at least 1.")]
    [TestCase("queue|q.queue|push|hi|--initial-size|100", "emmap queue push: --initial-size must be from 4096 to 17592186044416 bytes, not 100.")]
    [TestCase("queue|q.queue|bogus", "emmap queue: Unrecognized command or argument 'bogus'.")]
    public void BadCommandLine_EachErrorIsOneLineNamedAsTheCommandsOwnErrors(string arguments, string error)
    {
        CliResult result = EmmapCli.Run(arguments.Split('|'));

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Output.ShouldBeEmpty(result.ToString());
        result.Error.ShouldBe(error + "\n");
    }
}
