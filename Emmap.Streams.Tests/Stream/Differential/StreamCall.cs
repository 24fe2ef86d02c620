using System;
using System.IO;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>One named call on a stream, run on a <see cref="FileStream"/> and on a <see cref="MappedFileStream"/> alike.</summary>
public sealed record StreamCall(string Name, Func<Stream, object?> Invoke)
{
    public override string ToString() => Name;
}
