namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The access protocol's inputs for one handle, as <see cref="PlainLoops.ProtocolRead"/> reads them: a cut counter, the end
/// of the readable bytes and the mapping's base, in one object as the library keeps them.
/// </summary>
internal sealed class ProtocolFields
{
    /// <summary>The cut counter, read before and after each copy.</summary>
    internal long Cuts;

    /// <summary>The address of byte 0.</summary>
    internal nint Base;

    /// <summary>The number of readable bytes.</summary>
    internal long End;
}
