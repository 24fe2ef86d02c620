using Emmap.Streams.Mapping;

namespace Emmap.Streams;

// Every atomic operation returns or depends on the cell's value, so a write-only stream refuses them all.
public sealed partial class MappedFileStream
{
    /// <summary>Applies <paramref name="op"/> to the cell at <paramref name="position"/> and returns the value it held before.</summary>
    internal long AtomicUpdate(long position, MappedView.AtomicOp op, long value)
    {
        ThrowIfUnreadable();
        return WriteTarget.AtomicUpdate(position, op, value);
    }

    /// <summary>Stores <paramref name="value"/> if the cell equals <paramref name="comparand"/>; returns the value it held before.</summary>
    internal long AtomicCompareExchangeCore(long position, long value, long comparand)
    {
        ThrowIfUnreadable();
        return WriteTarget.AtomicCompareExchange(position, value, comparand);
    }

    /// <summary>Reads the cell with acquire semantics; works on read-only mappings (no locked instruction).</summary>
    internal long AtomicReadCore(long position)
    {
        ThrowIfUnreadable();
        return View.AtomicRead(position);
    }

    /// <summary>Stores the cell with sequential consistency (a full fence, as emmap's <c>write_integer</c>).</summary>
    internal void AtomicWriteCore(long position, long value)
    {
        ThrowIfUnreadable();
        WriteTarget.AtomicUpdate(position, MappedView.AtomicOp.Exchange, value);
    }
}
