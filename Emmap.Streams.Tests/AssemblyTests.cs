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
    public void Library_DeclaresLinuxAndMacOSForThePlatformAnalyzer()
    {
        string[] platforms = typeof(MappedFileStream).Assembly.GetCustomAttributes<SupportedOSPlatformAttribute>()
            .Select(attribute => attribute.PlatformName)
            .ToArray();

        // A port adds its own platform to the list in Directory.Build.targets; these two stay.
        platforms.ShouldContain("linux");
        platforms.ShouldContain("macos");
    }
}
