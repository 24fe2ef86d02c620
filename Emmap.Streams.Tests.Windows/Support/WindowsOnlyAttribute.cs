using System;
using NUnit.Framework;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Emmap.Streams.Tests.Windows.Support;

/// <summary>
/// Marks a test or fixture of the Windows backend's primitives, which runs only on Windows (under Wine in CI,
/// see eng/wine/). Elsewhere it is skipped. It also puts the test in the <c>WindowsOnly</c> category.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class WindowsOnlyAttribute : NUnitAttribute, IApplyToTest
{
    /// <summary>The category of every test marked with this attribute.</summary>
    public const string Category = "WindowsOnly";

    public void ApplyToTest(Test test)
    {
        test.Properties.Add(PropertyNames.Category, Category);
        if (!OperatingSystem.IsWindowsVersionAtLeast(10, 0, 17134) && test.RunState != RunState.NotRunnable)
        {
            test.RunState = RunState.Skipped;
            test.Properties.Set(PropertyNames.SkipReason, "Windows only (10.0.17134 or later)");
        }
    }
}
