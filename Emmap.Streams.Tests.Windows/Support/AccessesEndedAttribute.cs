using System;
using Emmap.Streams.Mapping;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

[assembly: Emmap.Streams.Tests.Windows.Support.AccessesEnded]

namespace Emmap.Streams.Tests.Windows.Support;

/// <summary>
/// Fails any test that leaves its thread inside more accesses than it found (<see cref="AccessSlots.CurrentDepth"/>): an
/// access begun and never ended, by the library or by the test itself. On Windows such a record makes every release of its
/// mapping wait for the finalizer, and once a thread's records overflow, every release in the process; a later test then
/// sees a file that stays mapped and untrimmed after its last close. Applied to every test of this assembly; on other
/// systems nothing records accesses, so it checks nothing there.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class AccessesEndedAttribute : Attribute, ITestAction
{
    [ThreadStatic]
    private static int s_depthBefore;

    /// <inheritdoc/>
    public ActionTargets Targets => ActionTargets.Test;

    /// <inheritdoc/>
    public void BeforeTest(ITest test) => s_depthBefore = AccessSlots.CurrentDepth;

    /// <inheritdoc/>
    public void AfterTest(ITest test)
    {
        int left = AccessSlots.CurrentDepth - s_depthBefore;
        if (left != 0)
        {
            // The thread goes on to run other tests: drop the records so that this test alone fails.
            AccessSlots.AbandonAbove(s_depthBefore);
            Assert.Fail($"The test left {left} access(es) recorded on its thread: every access begun must be ended.");
        }
    }
}
