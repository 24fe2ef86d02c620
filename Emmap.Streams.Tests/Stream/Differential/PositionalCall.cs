using System;
using System.IO;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>A positional call written twice: through <see cref="RandomAccess"/> on a file handle, and as the <see cref="MappedFileStream"/> member.</summary>
public sealed record PositionalCall(string Name, Func<FileStream, object?> OnFile, Func<MappedFileStream, object?> OnMapped)
{
    public override string ToString() => Name;
}
