using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>Direct mode: ReadAt(position, length) returns views of the mapped bytes.</summary>
[TestFixture]
public sealed class DirectConformanceTests : MappedFileStreamConformanceTests
{
    protected override bool ReadAtIsView => true;

    protected override MappedFileStream OpenStream(string path, FileAccess access) =>
        MappedFileStream.Open(path, new MapOptions { Access = access, Direct = true });
}
