namespace Emmap.Streams.Benchmarks;

/// <summary>An object holding the address of a cell, read on every call by <see cref="RawLoops.InterlockedAddAfterLoad"/>.</summary>
internal sealed class CellHolder
{
    /// <summary>The cell's address.</summary>
    internal nint Cell;
}
