using System.Buffers;
using System.IO;
using CommunityToolkit.HighPerformance;
using Emmap.Streams;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

// Outside the Emmap.Streams namespace, as an application is: there both imports are equally near, which is where an
// ambiguity would show.
namespace ToolkitAndEmmapConsumer;

/// <summary>Code that imports CommunityToolkit.HighPerformance as well as Emmap.Streams still compiles <c>view.AsStream()</c>.</summary>
[TestFixture]
public sealed class ViewStreamWithToolkitTests
{
    [Test]
    public void AsStream_BothNamespacesImported_IsNotAmbiguousAndReads()
    {
        using var directory = new TempDirectory();
        string path = directory.File("both.txt");
        File.WriteAllText(path, "both namespaces");
        using var mapped = MappedFileStream.Open(path);

        IMemoryOwner<byte> view = mapped.ReadDirect(0, (int)mapped.Length);
        using var reader = new StreamReader(view.AsStream());

        reader.ReadToEnd().ShouldBe("both namespaces");
    }
}
