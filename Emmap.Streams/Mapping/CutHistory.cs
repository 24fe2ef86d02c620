namespace Emmap.Streams.Mapping;

/// <summary>
/// Where the recent erasing cuts of a <see cref="MappingState"/> started, so that an update whose end check saw the cut
/// counter move can tell whether what it did may have been erased: a range that ends at or below every erasing cut since
/// the update began was never touched by them. A cut that erases takes bytes out of the file (a shrink); one that does not
/// (the detach of a closed mapping, another process's shrink seen later) leaves the file's bytes as they were, so an update
/// that raced with it stands. Written and read under the file's gate.
/// </summary>
internal sealed class CutHistory
{
    private const int Capacity = 256;

    private readonly long[] _from = new long[Capacity];

    // The lowest cut start among the entries that fell out of the ring (long.MaxValue: none has).
    private long _evictedFloor = long.MaxValue;
    private long _recorded;

    /// <summary>
    /// Records that cut number <paramref name="cut"/> (the counter's new value) started at <paramref name="from"/>
    /// (<see cref="long.MaxValue"/> for a cut that erases nothing).
    /// </summary>
    internal void Record(long cut, long from)
    {
        if (_recorded >= Capacity)
        {
            long evicted = _from[cut % Capacity];
            if (evicted < _evictedFloor)
            {
                _evictedFloor = evicted;
            }
        }

        _from[cut % Capacity] = from;
        _recorded++;
    }

    /// <summary>
    /// Whether bytes before <paramref name="end"/> stayed uncut from counter value <paramref name="since"/> to
    /// <paramref name="now"/>: true if none of those cuts started below <paramref name="end"/>. When more cuts happened than
    /// the ring remembers, the answer is conservative (false unless no forgotten cut could have reached the range).
    /// </summary>
    internal bool Untouched(long since, long now, long end)
    {
        long oldestKept = now - System.Math.Min(_recorded, Capacity);
        if (since < oldestKept && _evictedFloor < end)
        {
            return false;
        }

        for (long cut = System.Math.Max(since, oldestKept) + 1; cut <= now; cut++)
        {
            if (_from[cut % Capacity] < end)
            {
                return false;
            }
        }

        return true;
    }
}
