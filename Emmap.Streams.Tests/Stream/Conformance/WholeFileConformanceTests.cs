using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>The whole file, shared: the default configuration.</summary>
[TestFixture]
public sealed class WholeFileConformanceTests : MappedFileStreamConformanceTests
{
    protected override MappedFileStream OpenStream(string path, FileAccess access) =>
        MappedFileStream.Open(path, new MapOptions { Access = access });
}
