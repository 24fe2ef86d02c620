using System;
using System.Threading.Tasks;

namespace Emmap.Streams.Tests.StreamTests.Differential;

/// <summary>
/// What one call did, as text two streams must agree on: the result, the type of the exception thrown at the call, or, for a
/// task, how it settled (a task that faults is told apart from a call that throws).
/// </summary>
public readonly record struct Outcome(string Text)
{
    public static Outcome Of(Func<object?> call)
    {
        object? result;
        try
        {
            result = call();
        }
        catch (Exception ex)
        {
            return new Outcome("throws " + ex.GetType().Name);
        }

        return new Outcome(Describe(result));
    }

    public override string ToString() => Text;

    private static string Describe(object? result) => result switch
    {
        null => "null",
        byte[] bytes => "bytes " + Convert.ToHexString(bytes),
        Task<int> task => "task " + Settle(task, () => task.Result.ToString()),
        Task<long> task => "task " + Settle(task, () => task.Result.ToString()),
        Task task => "task " + Settle(task, () => "done"),
        ValueTask<int> task => "task " + Settle(task.AsTask(), () => task.Result.ToString()),
        ValueTask<long> task => "task " + Settle(task.AsTask(), () => task.Result.ToString()),
        ValueTask task => "task " + Settle(task.AsTask(), () => "done"),
        _ => result.ToString() ?? "null",
    };

    private static string Settle(Task task, Func<string> value)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (task.IsCanceled)
        {
            return "canceled";
        }
        catch (Exception ex)
        {
            return "faulted " + ex.GetType().Name;
        }

        return "= " + value();
    }
}
