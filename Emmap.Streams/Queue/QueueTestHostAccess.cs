using System.Runtime.CompilerServices;

// The crash tests' child process sets the queue's crash-point hook (QueueCrashPoints), which is internal.
[assembly: InternalsVisibleTo("Emmap.Streams.TestHost")]
