using Emmap.Streams.Native;

namespace Emmap.Streams.Tests.Support;

/// <summary>Where the tests run, for the few expectations that differ between systems.</summary>
internal static class TestPlatform
{
    /// <summary>
    /// True under Wine (the library's own check), where the Windows tests run in CI. Only behaviour that Wine is known to
    /// implement differently from Windows is told apart with it, each time with the reason.
    /// </summary>
    public static bool IsWine => Platform.IsWine;
}
