using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>A window from file offset 8100 to the end: not page aligned, and position 92 is a page boundary of the file.</summary>
[TestFixture]
public sealed class OffsetWindowConformanceTests : MappedFileStreamConformanceTests
{
    protected override long WindowOffset => 8100;

    protected override MappedFileStream OpenStream(string path, FileAccess access) =>
        MappedFileStream.Open(path, 8100, 0, new MapOptions { Access = access });
}
