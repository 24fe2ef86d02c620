using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>Every C# sample in README.md is quoted from a compiled, passing test in this folder, so the README cannot drift.</summary>
[TestFixture]
public sealed partial class ReadmeSyncTests
{
    [Test]
    public void ReadmeCSharpSamples_EachSample_AppearsVerbatimInAReadmeExampleTest()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string[] examples = Directory.GetFiles(Path.Combine(root, "Emmap.Streams.Tests", "ReadmeExamples"), "*.cs")
            .Select(file => Normalize(File.ReadAllText(file)))
            .ToArray();

        MatchCollection samples = CSharpBlock().Matches(readme);
        samples.Count.ShouldBeGreaterThan(10);
        foreach (Match sample in samples)
        {
            string code = Normalize(sample.Groups[1].Value);
            examples.Any(example => example.Contains(code, StringComparison.Ordinal))
                .ShouldBeTrue($"This README sample is not quoted from a test in ReadmeExamples/:\n{sample.Groups[1].Value}");
        }
    }

    // Compare line by line with indentation removed: the tests indent the quoted code.
    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Emmap.Streams.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with Emmap.Streams.sln) was not found above the test assembly.");
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
