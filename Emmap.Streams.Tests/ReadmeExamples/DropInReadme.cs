using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.ReadmeExamples;

/// <summary>
/// The README's drop-in sample, compiled and run twice in a row: the same lines with <see cref="MappedFileStream"/> write
/// what they write with <see cref="FileStream"/>.
/// </summary>
[TestFixture]
public sealed class DropInReadme
{
    [Test]
    public void DropIn_RunTwice_WritesWhatTheFileStreamVersionWrites()
    {
        string path = Path.Combine(Path.GetTempPath(), "app.log");
        string filePath = Path.Combine(Path.GetTempPath(), "app.filestream.log");
        File.Delete(path);
        File.Delete(filePath);

        Sample();
        Sample();
        FileStreamSample();
        FileStreamSample();

        // README promises:
        SharedFile.ReadAllBytes(path).ShouldBe(SharedFile.ReadAllBytes(filePath));
        SharedFile.ReadAllText(path).ReplaceLineEndings("\n").ShouldBe("appended through a memory mapping\nappended through a memory mapping\n");

        static void Sample()
        {
            string path = Path.Combine(Path.GetTempPath(), "app.log");

            // Was: using var log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            using var log = new MappedFileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            using var writer = new StreamWriter(log);
            writer.WriteLine("appended through a memory mapping");
        }

        void FileStreamSample()
        {
            using var log = new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.Read);
            using var writer = new StreamWriter(log);
            writer.WriteLine("appended through a memory mapping");
        }
    }
}
