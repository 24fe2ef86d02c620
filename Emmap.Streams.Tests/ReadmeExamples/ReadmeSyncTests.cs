using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>
/// Every C# sample in README.md is quoted from a compiled, passing test in this folder, so the README cannot drift; each is a whole
/// program that works in the temp directory, and no shell line of the README writes into the repository. (CI also builds each sample
/// as the Program.cs of a new app against the packed package, with the using directives it shows, and runs it twice.)
/// </summary>
[TestFixture]
public sealed partial class ReadmeSyncTests
{
    private string _readme = null!;
    private string[] _samples = null!;

    [OneTimeSetUp]
    public void ReadReadme()
    {
        if (OperatingSystem.IsWindows() && FindRepositoryRoot() is null)
        {
            Assert.Ignore("Checks README.md against the test sources of the repository; the win-x64 test executable runs away from the checkout, and the Linux run checks them.");
        }

        _readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        _samples = CSharpBlock().Matches(_readme).Select(m => m.Groups[1].Value).ToArray();
    }

    [Test]
    public void ReadmeCSharpSamples_EachSample_AppearsVerbatimInAReadmeExampleTest()
    {
        string[] examples = Directory.GetFiles(Path.Combine(RepositoryRoot(), "Emmap.Streams.Tests", "ReadmeExamples"), "*.cs")
            .Select(file => Normalize(File.ReadAllText(file)))
            .ToArray();

        _samples.Length.ShouldBeGreaterThan(10);
        foreach (string sample in _samples)
        {
            // The tests sit inside the Emmap.Streams namespace and list their usings at the top, so the sample's own using directives
            // are left out of the comparison; CI compiles each sample with exactly the ones it shows.
            string code = Normalize(string.Join('\n', sample.Split('\n').Where(line => !UsingDirective().IsMatch(line))));
            examples.Any(example => example.Contains(code, StringComparison.Ordinal))
                .ShouldBeTrue($"This README sample is not quoted from a test in ReadmeExamples/:\n{sample}");
        }
    }

    [Test]
    public void ReadmeCSharpSamples_EachSample_IsAWholeProgramThatWorksInTheTempDirectory()
    {
        foreach (string sample in _samples)
        {
            sample.ShouldStartWith("using ", customMessage: $"A sample starts with the using directives it needs:\n{sample}");
            sample.Split('\n').ShouldContain("using Emmap.Streams;", $"A sample shows the one using every sample needs:\n{sample}");
            sample.ShouldContain("Path.GetTempPath()", customMessage: $"A sample keeps its files in the temp directory:\n{sample}");
        }
    }

    [Test]
    public void ReadmeShellLines_EmmapCommandsOnFiles_UseAbsolutePaths()
    {
        Match[] fileCommands = ShellBlock().Matches(_readme).SelectMany(block => EmmapFileCommand().Matches(block.Groups[1].Value)).ToArray();

        fileCommands.Length.ShouldBeGreaterThan(1);
        foreach (Match command in fileCommands)
        {
            command.Groups["file"].Value.ShouldStartWith("/", customMessage: $"'{command.Value}' would leave its file in the current directory.");
        }
    }

    // Compare line by line with indentation removed: the tests indent the quoted code.
    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));

    private static string RepositoryRoot() =>
        FindRepositoryRoot() ?? throw new DirectoryNotFoundException("The repository root (with Emmap.Streams.sln) was not found above the test assembly.");

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Emmap.Streams.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"^using [A-Za-z0-9_.]+;\s*$")]
    private static partial Regex UsingDirective();

    // "emmap counters FILE ..." or "emmap queue FILE ...", installed or through dotnet run.
    [GeneratedRegex(@"emmap (?:counters|queue) (?<file>\S+)|Emmap\.Streams\.Cli -- (?:counters|queue) (?<file>\S+)")]
    private static partial Regex EmmapFileCommand();
}
