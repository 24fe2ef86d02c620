using System.Linq;
using System.Reflection;
using System.Runtime.Versioning;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests;

/// <summary>What the library assembly tells its callers' tools.</summary>
[TestFixture]
public sealed class AssemblyTests
{
    [Test]
    public void Library_DeclaresLinuxMacOSAndWindows1803ForThePlatformAnalyzer()
    {
        string[] platforms = typeof(MappedFileStream).Assembly.GetCustomAttributes<SupportedOSPlatformAttribute>()
            .Select(attribute => attribute.PlatformName)
            .ToArray();

        // One list in Directory.Build.targets; Windows from 1803 on, the first version with address-space placeholders.
        platforms.ShouldBe(["linux", "macos", "windows10.0.17134"], ignoreOrder: true);
    }
}
