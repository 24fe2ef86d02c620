namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>Which stream a differential test runs a call on.</summary>
public enum StreamKind
{
    /// <summary><see cref="System.IO.FileStream"/>, the reference.</summary>
    FileStream,

    /// <summary><see cref="MappedFileStream"/>, opened with the same arguments.</summary>
    Mapped,
}
