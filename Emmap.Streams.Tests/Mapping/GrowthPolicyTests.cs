using System;
using System.Threading.Tasks;
using Emmap.Streams.Mapping;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// emmap's growth rule (double while below the largest increment, then add it): the capacity a write past the end reserves,
/// which a growth computes with the file's gate and size lock held.
/// </summary>
[TestFixture]
public sealed class GrowthPolicyTests
{
    private static readonly TimeSpan s_bounded = TimeSpan.FromSeconds(10);

    [TestCase(64L << 20, 0, 1, 1)]
    [TestCase(64L << 20, 0, 4096, 4096)]
    [TestCase(64L << 20, 4096, 4097, 8192)]
    [TestCase(64L << 20, 48L << 20, 100L << 20, 160L << 20)]
    [TestCase(64L << 20, 64L << 20, (64L << 20) + 1, 128L << 20)]
    [TestCase(64L << 20, 100L << 20, 300L << 20, 356L << 20)]
    [TestCase(4096, 5000, 5000, 5000)]
    [TestCase(4096, 3000, 10_000, 10_096)]
    [TestCase(64L << 20, 1L << 62, long.MaxValue, long.MaxValue)]
    public void NextCapacity_FromACapacity_IsTheFirstSizeOfTheRuleThatHoldsTheRequiredBytes(
        long maxIncrement, long capacity, long required, long expected) =>
        new GrowthPolicy(maxIncrement).NextCapacity(capacity, required).ShouldBe(expected);

    [Test]
    public void NextCapacity_ASmallIncrementAndAFarEnd_TakesNoStepPerIncrement()
    {
        // A write one byte at 64 GiB with an increment of one byte: 2^36 steps of the rule, each of them under the size lock
        // that every process's size changes wait for.
        Task<long> next = Task.Run(() => new GrowthPolicy(1).NextCapacity(1, 1L << 36));
        next.Wait(s_bounded).ShouldBeTrue("the capacity is computed, not stepped to");
        next.Result.ShouldBe(1L << 36);
    }

    [Test]
    public void NextCapacity_SeriesOfSteps_AgreesWithTheRuleAppliedOneStepAtATime()
    {
        var random = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            long maxIncrement = random.NextInt64(1, 1L << 20);
            long capacity = random.NextInt64(0, 1L << 22);
            long required = capacity + random.NextInt64(0, 1L << 24);
            var policy = new GrowthPolicy(maxIncrement);
            long stepped = Math.Max(capacity, 1);
            while (stepped < required)
            {
                stepped = policy.Next(stepped);
            }

            policy.NextCapacity(capacity, required).ShouldBe(stepped, $"increment {maxIncrement}, from {capacity} to {required}");
        }
    }
}
