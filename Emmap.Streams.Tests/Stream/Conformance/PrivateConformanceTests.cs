using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>A private (copy-on-write) mapping: writes stay in this stream.</summary>
[TestFixture]
public sealed class PrivateConformanceTests : MappedFileStreamConformanceTests
{
    protected override bool WritesReachFile => false;

    protected override MappedFileStream OpenStream(string path, FileAccess access) =>
        MappedFileStream.Open(path, new MapOptions { Access = access, Sharing = MapSharing.Private });
}
