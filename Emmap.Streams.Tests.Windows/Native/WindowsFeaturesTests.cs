using System.Runtime.Versioning;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Tests.Windows.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Windows.Native;

/// <summary>The feature check that decides between the Windows backend and a clear PlatformNotSupportedException.</summary>
[TestFixture]
[WindowsOnly]
[SupportedOSPlatform("windows")]
public sealed class WindowsFeaturesTests
{
    [Test]
    public void HasPlaceholders_OnWindows10Version1803OrLater_IsTrue()
    {
        WindowsFeatures.PlaceholderProblem.ShouldBeNull();
        WindowsFeatures.HasPlaceholders.ShouldBeTrue();
        Should.NotThrow(WindowsFeatures.ThrowIfNoPlaceholders);
    }
}
