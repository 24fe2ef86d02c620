using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.NativeTests;

/// <summary>Which I/O errors count as "no room on the disk" (a growable queue's <c>TryPush</c> then returns false).</summary>
[TestFixture]
public sealed class NativeErrorsTests
{
    [TestCase(28, TestName = "ENOSPC")]
    [TestCase(122, TestName = "EDQUOT (Linux)")]
    [TestCase(69, TestName = "EDQUOT (macOS)")]
    [TestCase(27, TestName = "EFBIG")]
    public void IsNoSpace_UnixErrors(int errno) =>
        NativeErrors.IsNoSpace(NativeErrors.IOError(errno, "Reserving disk space", null)).ShouldBeTrue();

    [TestCase(112, TestName = "ERROR_DISK_FULL")]
    [TestCase(39, TestName = "ERROR_HANDLE_DISK_FULL")]
    [TestCase(1295, TestName = "ERROR_DISK_QUOTA_EXCEEDED")]
    [TestCase(223, TestName = "ERROR_FILE_TOO_LARGE")]
    public void IsNoSpace_WindowsErrorsAsFileStreamReportsThem(int error) =>
        NativeErrors.IsNoSpace(WindowsErrors.IOError(error, "Reserving disk space", null)).ShouldBeTrue();

    [TestCase(5, TestName = "EIO")]
    [TestCase(13, TestName = "EACCES")]
    public void IsNoSpace_OtherUnixErrors_AreNot(int errno) =>
        NativeErrors.IsNoSpace(NativeErrors.IOError(errno, "Reserving disk space", null)).ShouldBeFalse();

    [TestCase(5, TestName = "ERROR_ACCESS_DENIED")]
    [TestCase(33, TestName = "ERROR_LOCK_VIOLATION")]
    [TestCase(1224, TestName = "ERROR_USER_MAPPED_FILE")]
    public void IsNoSpace_OtherWindowsErrors_AreNot(int error) =>
        NativeErrors.IsNoSpace(WindowsErrors.IOError(error, "Reserving disk space", null)).ShouldBeFalse();
}
