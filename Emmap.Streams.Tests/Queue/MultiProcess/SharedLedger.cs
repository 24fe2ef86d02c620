using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Emmap.Streams.TestHost;
using Shouldly;

namespace Emmap.Streams.Tests.Queue.MultiProcess;

/// <summary>
/// Exact accounting of a shared queue used by many processes, some of them killed. It takes every acknowledgement the
/// children printed (<c>P id</c>: pushed, <c>O id</c>: popped, <c>H id</c>: handed to a handler that then commits) and the items
/// left in the queue at the end, and checks the contract:
/// <list type="bullet">
/// <item>No item is popped twice (a handler may see an item again only after its consumer was killed inside the handler:
/// at most once per such kill).</item>
/// <item>Every acknowledged push is popped or still in the queue, except at most one per consumer killed with plain pops (popped,
/// then killed before it printed the acknowledgement: at most once delivery), and those a child pushed before it erased the queue.</item>
/// <item>Items popped or left that were never acknowledged come from killed producers, at most one per kill.</item>
/// <item>Each consumer sees each producer's items in the order they were pushed, and so does the final drain.</item>
/// </list>
/// </summary>
public sealed class SharedLedger
{
    private readonly HashSet<long> _pushed = [];
    private readonly HashSet<long> _erasable = [];
    private readonly List<(string Who, long Id)> _popped = [];
    private readonly List<List<long>> _sequences = [];
    private int _plainConsumerKills;
    private int _handlerConsumerKills;
    private int _producerKills;

    /// <summary>Gets the number of acknowledged pushes.</summary>
    public int Pushed => _pushed.Count;

    /// <summary>Gets the number of acknowledged pops (and handler calls).</summary>
    public int Popped => _popped.Count;

    /// <summary>Takes the acknowledgements of a child that has ended.</summary>
    public void Add(SharedChild child, bool pushes, bool plainPops, bool handlerPops)
    {
        var sequence = new List<long>();
        foreach (string line in child.Lines())
        {
            if (line == "erasing")
            {
                // What this child pushed so far may be erased rather than popped.
                _erasable.UnionWith(_pushed);
                continue;
            }

            if (line.Length < 3 || line[1] != ' ')
            {
                continue;
            }

            long id = long.Parse(line.AsSpan(2), CultureInfo.InvariantCulture);
            if (line[0] == 'P')
            {
                _pushed.Add(id).ShouldBeTrue($"{child.Role} acknowledged push {id} twice");
            }
            else if (line[0] is 'O' or 'H')
            {
                _popped.Add((child.Role, id));
                sequence.Add(id);
            }
        }

        _sequences.Add(sequence);
        if (child.KilledByTest || child.ExitCode == 137)
        {
            _plainConsumerKills += plainPops ? 1 : 0;
            _handlerConsumerKills += handlerPops ? 1 : 0;
            _producerKills += pushes ? 1 : 0;
        }
    }

    /// <summary>Takes the items the test drained from the queue at the end, in order.</summary>
    public void AddDrained(IReadOnlyList<long> ids)
    {
        _sequences.Add([.. ids]);
        foreach (long id in ids)
        {
            _popped.Add(("drain", id));
        }
    }

    /// <summary>Checks the contract; returns a one-line summary.</summary>
    public string Check()
    {
        var seen = new Dictionary<long, int>();
        foreach ((_, long id) in _popped)
        {
            seen[id] = seen.GetValueOrDefault(id) + 1;
        }

        int repeats = seen.Values.Sum(n => n - 1);
        repeats.ShouldBeLessThanOrEqualTo(
            _handlerConsumerKills,
            $"items delivered twice: {string.Join(", ", seen.Where(e => e.Value > 1).Select(e => e.Key).Take(10))} ({_handlerConsumerKills} handler consumers killed)");

        var lost = _pushed.Where(id => !seen.ContainsKey(id) && !_erasable.Contains(id)).ToList();
        lost.Count.ShouldBeLessThanOrEqualTo(
            _plainConsumerKills,
            $"acknowledged pushes never popped: {string.Join(", ", lost.Take(10))} ({_plainConsumerKills} consumers killed after a pop)");

        var unacknowledged = seen.Keys.Where(id => !_pushed.Contains(id)).ToList();
        unacknowledged.Count.ShouldBeLessThanOrEqualTo(
            _producerKills,
            $"items nobody acknowledged pushing: {string.Join(", ", unacknowledged.Take(10))} ({_producerKills} producers killed)");

        foreach (List<long> sequence in _sequences)
        {
            foreach (IGrouping<long, long> producer in sequence.GroupBy(id => id / SharedQueueCommands.ProducerStride))
            {
                List<long> ids = [.. producer];
                for (int i = 1; i < ids.Count; i++)
                {
                    ids[i].ShouldBeGreaterThan(ids[i - 1], $"producer {producer.Key}'s items out of order: {ids[i - 1]} before {ids[i]}");
                }
            }
        }

        return $"{_pushed.Count} pushes and {_popped.Count} pops acknowledged; {lost.Count} lost to {_plainConsumerKills} consumer kills, " +
            $"{repeats} redelivered after {_handlerConsumerKills} handler kills, {unacknowledged.Count} unacknowledged pushes from {_producerKills} producer kills";
    }
}
