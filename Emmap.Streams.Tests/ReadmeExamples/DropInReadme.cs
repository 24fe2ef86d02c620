using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>The README's drop-in sample: the same lines with <see cref="FileStream"/> and with <see cref="MappedFileStream"/>.</summary>
[TestFixture]
public sealed class DropInReadme
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void DropIn_AsQuoted_WritesWhatTheFileStreamVersionWrites()
    {
        string path = _directory.File("mapped.log");
        string filePath = _directory.File("file.log");
        File.WriteAllText(path, "first line\n");
        File.WriteAllText(filePath, "first line\n");

        {
            // Was: using var log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            using var log = new MappedFileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            using var writer = new StreamWriter(log);
            writer.WriteLine("appended through a memory mapping");
        }

        {
            using var log = new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.Read);
            using var writer = new StreamWriter(log);
            writer.WriteLine("appended through a memory mapping");
        }

        // README promises:
        File.ReadAllBytes(path).ShouldBe(File.ReadAllBytes(filePath));
        File.ReadAllText(path).ShouldBe("first line\nappended through a memory mapping\n");
    }
}
