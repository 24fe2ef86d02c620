using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Replays a child's acknowledgements against the queue contents it started from, and decides which states the queue may
/// be in after the child was killed: exactly the acknowledged state, or that state changed by the one operation that was in
/// flight (a push that landed, a pop that was committed, an erase).
/// </summary>
public sealed class QueueAckModel
{
    private readonly List<long> _items;
    private long _lastPushed;
    private bool _erasing;

    public QueueAckModel(IEnumerable<long> before, long firstId)
    {
        _items = [.. before];
        _lastPushed = firstId - 1;
    }

    public IReadOnlyList<long> Items => _items;

    public int Pushes { get; private set; }

    public int Pops { get; private set; }

    public void Replay(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            if (line.StartsWith("P ", StringComparison.Ordinal))
            {
                long id = long.Parse(line.AsSpan(2), CultureInfo.InvariantCulture);
                if (id != _lastPushed + 1)
                {
                    throw new InvalidOperationException($"The child pushed id {id} after {_lastPushed}.");
                }

                _lastPushed = id;
                _items.Add(id);
                Pushes++;
            }
            else if (line.StartsWith("O ", StringComparison.Ordinal))
            {
                long id = long.Parse(line.AsSpan(2), CultureInfo.InvariantCulture);
                if (_items.Count == 0 || _items[0] != id)
                {
                    throw new InvalidOperationException(
                        $"The child popped {id} but the queue's head was {(_items.Count == 0 ? "nothing" : _items[0])}: the queue lost FIFO order or an item.");
                }

                _items.RemoveAt(0);
                Pops++;
            }
            else if (line == "E")
            {
                if (_items.Count != 0)
                {
                    throw new InvalidOperationException($"The child found the queue empty while it held {_items.Count} items.");
                }
            }
            else if (line == "erasing")
            {
                _erasing = true;
            }
            else if (line == "X")
            {
                _items.Clear();
                _erasing = false;
            }
        }
    }

    /// <summary>The states the queue may legally be in, given that at most one unacknowledged operation was in flight.</summary>
    public IEnumerable<IReadOnlyList<long>> AcceptableStates()
    {
        yield return _items;
        yield return [.. _items, _lastPushed + 1];
        if (_items.Count > 0)
        {
            yield return _items.Skip(1).ToList();
        }

        if (_erasing)
        {
            yield return [];
        }
    }

    /// <summary>The first id the next child may use, past any id that may have landed unacknowledged.</summary>
    public long NextFirstId => _lastPushed + 2;
}
