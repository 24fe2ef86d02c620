using System;
using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>
/// The README's samples work in <see cref="Path.GetTempPath"/>, as a user's app would. While the tests of this folder run, that is a
/// fresh directory of their own (through <c>TMPDIR</c>), deleted afterwards, so that no other run on the machine shares their files.
/// </summary>
[SetUpFixture]
public sealed class ReadmeTempDirectory
{
    private string? _previous;
    private string _directory = null!;

    [OneTimeSetUp]
    public void UseAFreshTempDirectory()
    {
        _previous = Environment.GetEnvironmentVariable("TMPDIR");
        _directory = Path.Combine(Path.GetTempPath(), "emmap-readme-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        Environment.SetEnvironmentVariable("TMPDIR", _directory + Path.DirectorySeparatorChar);
    }

    [OneTimeTearDown]
    public void RestoreTheTempDirectory()
    {
        Environment.SetEnvironmentVariable("TMPDIR", _previous);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
