namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>The constructor a differential open goes through (the same one on both streams).</summary>
public enum OpenForm
{
    /// <summary><c>(path, mode)</c>.</summary>
    Mode,

    /// <summary><c>(path, mode, access)</c>.</summary>
    ModeAccess,

    /// <summary><c>(path, mode, access, share)</c>.</summary>
    ModeAccessShare,

    /// <summary><c>(path, FileStreamOptions)</c>.</summary>
    Options,
}
