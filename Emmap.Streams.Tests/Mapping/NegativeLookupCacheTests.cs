using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Native;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// <see cref="NegativeLookupCache"/> on a real directory with a real inotify watch: a name found missing is remembered only
/// until a name appears in the directory (created, linked or renamed into it), every name made before a look is seen by it
/// even from many threads, and a watch the kernel removes, or one switched off, leaves every look to the file system.
/// </summary>
[TestFixture]
[LinuxOnly("the watch is inotify; elsewhere every look goes to the file system")]
public sealed class NegativeLookupCacheTests
{
    private TempDirectory _directory = null!;
    private string _watched = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _watched = _directory.File("watched");
        Directory.CreateDirectory(_watched);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Exists_BeforeEnoughMisses_DoesNotWatch()
    {
        using var cache = new NegativeLookupCache(_watched);
        string missing = Path.Combine(_watched, "missing");
        for (int look = 0; look < NegativeLookupCache.WatchAfterMisses; look++)
        {
            cache.Exists(missing).ShouldBeFalse();
        }

        cache.IsWatching.ShouldBeFalse("a process that looks a few times takes no inotify instance");
        cache.RememberedCount.ShouldBe(0);
        cache.Exists(missing).ShouldBeFalse();
        cache.IsWatching.ShouldBeTrue();
        cache.RememberedCount.ShouldBe(1);
    }

    [Test]
    public void Exists_DirectoryGivenWithATrailingSeparator_RemembersItsNames()
    {
        using var cache = new NegativeLookupCache(_watched + Path.DirectorySeparatorChar);
        string missing = Path.Combine(_watched, "missing");
        for (int look = 0; look <= NegativeLookupCache.WatchAfterMisses; look++)
        {
            cache.Exists(missing).ShouldBeFalse();
        }

        cache.RememberedCount.ShouldBe(1);
        File.WriteAllBytes(missing, [1]);
        cache.Exists(missing).ShouldBeTrue();
        cache.RememberedCount.ShouldBe(0);
    }

    [TestCase("create")]
    [TestCase("link")]
    [TestCase("rename")]
    [TestCase("directory")]
    public void Exists_ANameAppearsAfterItWasRememberedMissing_IsSeen(string how)
    {
        using var cache = Watching();
        string name = Path.Combine(_watched, "page");
        cache.Exists(name).ShouldBeFalse();
        cache.RememberedCount.ShouldBe(2, "the name, and the one the watch was started with");
        cache.Exists(name).ShouldBeFalse("remembered");

        string elsewhere = _directory.File("elsewhere");
        switch (how)
        {
            case "create":
                File.WriteAllBytes(name, [1]);
                break;
            case "link":
                File.WriteAllBytes(elsewhere, [1]);
                Libc.Link(elsewhere, name).ShouldBe(0);
                break;
            case "rename":
                File.WriteAllBytes(elsewhere, [1]);
                File.Move(elsewhere, name);
                break;
            default:
                Directory.CreateDirectory(name);
                break;
        }

        cache.Exists(name).ShouldBeTrue();
    }

    [Test]
    public void Exists_AnotherNameAppears_ForgetsEveryRememberedName()
    {
        using var cache = Watching();
        string first = Path.Combine(_watched, "first");
        string second = Path.Combine(_watched, "second");
        cache.Exists(first).ShouldBeFalse();
        cache.Exists(second).ShouldBeFalse();

        // Both appear, but only one event per name is queued: the first look reads both and must forget both.
        File.WriteAllBytes(first, [1]);
        File.WriteAllBytes(second, [1]);
        cache.Exists(first).ShouldBeTrue();
        cache.Exists(second).ShouldBeTrue();
    }

    [Test]
    public void Exists_NameDeletedAndCreatedAgain_IsSeenEachTime()
    {
        using var cache = Watching();
        string name = Path.Combine(_watched, "page");
        for (int round = 0; round < 20; round++)
        {
            cache.Exists(name).ShouldBeFalse($"round {round}");
            cache.Exists(name).ShouldBeFalse($"round {round}, remembered");
            File.WriteAllBytes(name, [1]);
            cache.Exists(name).ShouldBeTrue($"round {round}");
            File.Delete(name);
        }
    }

    [Test]
    public void Exists_WatchedDirectoryRemovedAndMadeAgain_StopsWatchingAndSeesNewNames()
    {
        using var cache = Watching();
        string name = Path.Combine(_watched, "page");
        Directory.Delete(_watched);

        // The kernel drops the watch with the directory: the look reads that and stops remembering.
        cache.Exists(name).ShouldBeFalse();
        cache.IsWatching.ShouldBeFalse();
        cache.Exists(name).ShouldBeFalse();

        // The new directory is not watched: a remembered name would never be forgotten.
        Directory.CreateDirectory(_watched);
        File.WriteAllBytes(name, [1]);
        cache.Exists(name).ShouldBeTrue();
    }

    [Test]
    public void Exists_WatchedDirectoryRenamedAndAnotherMadeAtItsPath_StopsWatchingAndSeesNewNames()
    {
        using var cache = Watching();
        string name = Path.Combine(_watched, "page");
        cache.Exists(name).ShouldBeFalse();
        cache.Exists(name).ShouldBeFalse("remembered");

        // The watch follows the renamed directory, and names made at the old path would never reach it.
        Directory.Move(_watched, _directory.File("moved"));
        Directory.CreateDirectory(_watched);
        File.WriteAllBytes(name, [1]);
        cache.Exists(name).ShouldBeTrue();
        cache.IsWatching.ShouldBeFalse();
    }

    [Test]
    public void Exists_SwitchedOff_NeverWatches()
    {
        AppContext.SetSwitch(NegativeLookupCache.DisableSwitchName, true);
        NegativeLookupCache cache;
        try
        {
            cache = new NegativeLookupCache(_watched);
        }
        finally
        {
            AppContext.SetSwitch(NegativeLookupCache.DisableSwitchName, false);
        }

        using (cache)
        {
            string name = Path.Combine(_watched, "page");
            for (int look = 0; look < 3 * NegativeLookupCache.WatchAfterMisses; look++)
            {
                cache.Exists(name).ShouldBeFalse();
            }

            cache.IsWatching.ShouldBeFalse();
            File.WriteAllBytes(name, [1]);
            cache.Exists(name).ShouldBeTrue();
        }
    }

    [Test]
    public void Exists_NameBelowASubdirectory_IsNeverRemembered()
    {
        string below = Path.Combine(_watched, "sub", "page");
        Directory.CreateDirectory(Path.GetDirectoryName(below)!);
        using var cache = Watching();
        cache.Exists(below).ShouldBeFalse();
        cache.Exists(below).ShouldBeFalse();
        cache.RememberedCount.ShouldBe(1, "only the name the watch was started with");

        // The watch reports nothing for a name made below a subdirectory: only a look at the file system sees it.
        File.WriteAllBytes(below, [1]);
        cache.Exists(below).ShouldBeTrue();
    }

    [Test]
    public void Exists_NameThatCannotBeLookedAt_IsNeverRemembered()
    {
        using var cache = Watching();

        // Longer than a name may be: ENAMETOOLONG, not ENOENT, so it says nothing about what may appear.
        string tooLong = Path.Combine(_watched, new string('n', 300));
        cache.Exists(tooLong).ShouldBeFalse();
        cache.Exists(tooLong).ShouldBeFalse();
        cache.RememberedCount.ShouldBe(1, "only the name the watch was started with");
    }

    [Test]
    public void Exists_DanglingSymbolicLink_IsANameThatExists()
    {
        using var cache = Watching();
        string target = _directory.File("target");
        string link = Path.Combine(_watched, "link");
        File.CreateSymbolicLink(link, target);

        // Its target may appear anywhere, unseen by the watch: a link is never taken for a missing name.
        cache.Exists(link).ShouldBeTrue();
        File.WriteAllBytes(target, [1]);
        cache.Exists(link).ShouldBeTrue();
    }

    [Test]
    public void Exists_ThreadsLookWhileNamesAppear_EveryNameMadeBeforeALookIsSeen()
    {
        const int Names = 3000;
        using var cache = Watching();
        int made = -1;
        int wrong = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var lookers = Enumerable.Range(0, 3).Select(looker => Task.Factory.StartNew(
            () =>
            {
                while (Volatile.Read(ref made) < Names - 1 && !stop.IsCancellationRequested)
                {
                    int last = Volatile.Read(ref made);

                    // The next name is most likely still missing: remembering it is what a stale answer would come from.
                    _ = cache.Exists(Name(last + 1));
                    if (last >= 0 && !cache.Exists(Name(last)))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();

        for (int next = 0; next < Names; next++)
        {
            File.WriteAllBytes(Name(next), [1]);
            Volatile.Write(ref made, next);
            if (next % 64 == 0)
            {
                Thread.Yield();
            }
        }

        Task.WaitAll(lookers);
        stop.IsCancellationRequested.ShouldBeFalse();
        wrong.ShouldBe(0, "a name made before a look began was reported missing");
        cache.IsWatching.ShouldBeTrue();

        string Name(int number) => Path.Combine(_watched, "n" + number);
    }

    // A cache whose watch runs: enough misses on a name that stays missing.
    private NegativeLookupCache Watching()
    {
        var cache = new NegativeLookupCache(_watched);
        string never = Path.Combine(_watched, "never");
        for (int look = 0; look <= NegativeLookupCache.WatchAfterMisses; look++)
        {
            cache.Exists(never).ShouldBeFalse();
        }

        cache.IsWatching.ShouldBeTrue();
        return cache;
    }
}
