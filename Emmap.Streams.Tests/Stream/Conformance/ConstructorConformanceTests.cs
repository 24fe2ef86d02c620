using System.IO;
using NUnit.Framework;

namespace Emmap.Streams.Tests.StreamTests.Conformance;

/// <summary>The whole file through the <see cref="FileStream"/>-shaped constructor, sharing as a <see cref="FileStream"/> does.</summary>
[TestFixture]
public sealed class ConstructorConformanceTests : MappedFileStreamConformanceTests
{
    protected override MappedFileStream OpenStream(string path, FileAccess access) =>
        new(path, FileMode.Open, access, FileShare.ReadWrite);

    /// <inheritdoc/>
    protected override int DescriptorsOfOneStream => 2;
}
