using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Cli;

/// <summary>The counter part of <c>emmap demo</c>.</summary>
[TestFixture]
public sealed class CounterDemoTests
{
    [Test]
    public void Demo_Run_PrintsTheSeedReadmeCounterLineExactly()
    {
        CliResult result = EmmapCli.Run("demo");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Lines.ShouldContain("N1=0, N2=1, N3=6, N4=7, N5=9, N6=15");
    }
}
