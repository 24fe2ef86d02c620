using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Threading;
using CsCheck;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Counters;

/// <summary>
/// Random sequences of counter operations (reopens included) against a <c>long[]</c> model: every return value,
/// every final value and every byte of the file must match. A failure prints a seed that replays it.
/// </summary>
[TestFixture]
public sealed class MappedCountersModelTests
{
    private static readonly Gen<long> s_values = Gen.Frequency(
        (4, Gen.Long[-20, 20]),
        (2, Gen.Long),
        (1, Gen.OneOf(long.MinValue, long.MaxValue, long.MinValue + 1, long.MaxValue - 1)));

    private static readonly Gen<Step> s_step = Gen.Select(
        Gen.Enum<StepKind>(),
        Gen.Int[-1, 4],
        s_values,
        Gen.Bool,
        (kind, index, value, hit) => new Step(kind, index, value, hit));

    private TempDirectory _dir = null!;
    private int _files;

    private enum StepKind
    {
        Increment,
        Decrement,
        Set,
        CompareExchange,
        Read,
        Reopen,
    }

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Operations_RandomSequences_MatchALongArrayModel() =>
        Gen.Select(Gen.Int[1, 4], s_step.Array[1, 60]).Sample(
            (count, steps) =>
            {
                string path = _dir.File($"model-{Interlocked.Increment(ref _files)}.bin");
                var model = new long[count];
                MappedCounters counters = MappedCounters.Open(path, count);
                try
                {
                    foreach (Step step in steps)
                    {
                        counters = Apply(counters, path, model, step);
                    }

                    Enumerable.Range(0, count).Select(counters.Read).ShouldBe(model);
                }
                finally
                {
                    counters.Dispose();
                }

                byte[] expected = new byte[16 + (8 * count)];
                "EMMAP01\n"u8.CopyTo(expected);
                BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(8), count);
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(16 + (8 * i)), model[i]);
                }

                SharedFile.ReadAllBytes(path).ShouldBe(expected);
                File.Delete(path);
            },
            iter: 150,
            threads: 1);

    private static MappedCounters Apply(MappedCounters counters, string path, long[] model, Step step)
    {
        if (step.Kind == StepKind.Reopen)
        {
            counters.Dispose();
            return MappedCounters.Open(path, step.Hit ? 0 : model.Length);
        }

        int index = step.Index;
        if (index < 0 || index >= model.Length)
        {
            Should.Throw<ArgumentOutOfRangeException>(() => Run(counters, step, 0));
            return counters;
        }

        long old = model[index];
        long comparand = step.Hit ? old : unchecked(old + 1);
        Run(counters, step, comparand).ShouldBe(old);
        model[index] = step.Kind switch
        {
            StepKind.Increment => unchecked(old + step.Value),
            StepKind.Decrement => unchecked(old - step.Value),
            StepKind.Set => step.Value,
            StepKind.CompareExchange => old == comparand ? step.Value : old,
            _ => old,
        };
        return counters;
    }

    private static long Run(MappedCounters counters, Step step, long comparand) => step.Kind switch
    {
        StepKind.Increment => counters.Increment(step.Index, step.Value),
        StepKind.Decrement => counters.Decrement(step.Index, step.Value),
        StepKind.Set => counters.Set(step.Index, step.Value),
        StepKind.CompareExchange => counters.CompareExchange(step.Index, step.Value, comparand),
        _ => counters.Read(step.Index),
    };

    private readonly record struct Step(StepKind Kind, int Index, long Value, bool Hit);
}
