using System;
using NUnit.Framework;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// Marks a test or fixture that only Linux can run (it sends SIGKILL and checks for exit code 137, reads
/// <c>/proc</c>, needs a tmpfs, …). Elsewhere it is skipped, and the report gives <paramref name="reason"/>.
/// It also puts the test in the <c>LinuxOnly</c> category, so a filter can select or leave out all of them.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class LinuxOnlyAttribute(string reason) : NUnitAttribute, IApplyToTest
{
    /// <summary>The category of every test marked with this attribute.</summary>
    public const string Category = "LinuxOnly";

    /// <summary>What the test needs that only Linux has.</summary>
    public string Reason { get; } = reason;

    public void ApplyToTest(Test test)
    {
        test.Properties.Add(PropertyNames.Category, Category);
        if (!OperatingSystem.IsLinux() && test.RunState != RunState.NotRunnable)
        {
            test.RunState = RunState.Skipped;
            test.Properties.Set(PropertyNames.SkipReason, $"Linux only: {Reason}");
        }
    }
}
