using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// One benchmark class with one combination of its <c>[Params]</c> values, as BenchmarkDotNet would run it: the quick
/// run creates it, sets the parameters, calls <c>[GlobalSetup]</c>, calls the very same <c>[Benchmark]</c> methods
/// and finally <c>[GlobalCleanup]</c>.
/// </summary>
internal sealed class SuiteInstance : IDisposable
{
    private readonly Type _type;
    private readonly IReadOnlyList<(MemberInfo Member, object? Value)> _parameters;
    private object? _instance;

    internal SuiteInstance(Type type, IReadOnlyList<(MemberInfo Member, object? Value)> parameters)
    {
        _type = type;
        _parameters = parameters;
        Name = SuitePrefix(type) + ParameterSuffix(parameters);
    }

    /// <summary>Gets the class part of the suite names plus the parameter values, for progress lines.</summary>
    internal string Name { get; }

    /// <summary>Finds every benchmark class of <paramref name="assembly"/> and every combination of its parameters.</summary>
    internal static IEnumerable<SuiteInstance> Discover(Assembly assembly)
    {
        IEnumerable<Type> types = assembly.GetTypes()
            .Where(t => t.IsClass && t.IsPublic && !t.IsAbstract && BenchmarkMethods(t).Any())
            .OrderBy(t => SuiteOrder(t)).ThenBy(t => t.Name, StringComparer.Ordinal);
        foreach (Type type in types)
        {
            var axes = new List<(MemberInfo Member, object?[] Values)>();
            foreach (MemberInfo member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.MetadataToken))
            {
                if (member.GetCustomAttribute<ParamsAttribute>() is { } values)
                {
                    axes.Add((member, values.Values));
                }
            }

            foreach (IReadOnlyList<(MemberInfo, object?)> combination in Combinations(axes, 0))
            {
                yield return new SuiteInstance(type, combination);
            }
        }
    }

    /// <summary>Gets the "suite/case" names of this instance's cases, without creating it.</summary>
    internal IEnumerable<string> CaseNames() =>
        BenchmarkMethods(_type).Select(m => SuiteName(Category(m)) + "/" + m.Name);

    /// <summary>Creates the instance and runs its setup; returns its cases grouped by suite (category).</summary>
    internal IReadOnlyList<IReadOnlyList<QuickCase>> Start()
    {
        object instance = Activator.CreateInstance(_type)!;
        foreach ((MemberInfo member, object? value) in _parameters)
        {
            switch (member)
            {
                case PropertyInfo property:
                    property.SetValue(instance, value);
                    break;
                case FieldInfo field:
                    field.SetValue(instance, value);
                    break;
            }
        }

        _instance = instance;
        foreach (MethodInfo setup in Marked<GlobalSetupAttribute>())
        {
            setup.Invoke(instance, null);
        }

        var workers = instance as IWorkerAllocations;
        return BenchmarkMethods(_type)
            .Select(m => (Method: m, Benchmark: m.GetCustomAttribute<BenchmarkAttribute>()!, Category: Category(m)))
            .GroupBy(x => x.Category, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<QuickCase>)g
                .Select(x => new QuickCase(
                    SuiteName(x.Category),
                    x.Method.Name,
                    x.Benchmark.Baseline,
                    x.Benchmark.OperationsPerInvoke,
                    Bind(instance, x.Method),
                    workers))
                .ToList())
            .ToList();
    }

    /// <summary>Runs <c>[GlobalCleanup]</c> if the instance was started.</summary>
    public void Dispose()
    {
        if (_instance is { } instance)
        {
            _instance = null;
            foreach (MethodInfo cleanup in Marked<GlobalCleanupAttribute>())
            {
                cleanup.Invoke(instance, null);
            }
        }
    }

    private string SuiteName(string category) =>
        SuitePrefix(_type) + (category.Length == 0 ? string.Empty : "/" + category) + ParameterSuffix(_parameters);

    private static IEnumerable<MethodInfo> BenchmarkMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null)
            .OrderBy(m => m.MetadataToken);

    private IEnumerable<MethodInfo> Marked<TAttribute>()
        where TAttribute : Attribute =>
        _type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.GetCustomAttribute<TAttribute>() is not null);

    private static string Category(MethodInfo method) =>
        method.GetCustomAttribute<BenchmarkCategoryAttribute>() is { } category ? string.Join("+", category.Categories) : string.Empty;

    /// <summary>Binds a benchmark method to a call that keeps its result and does not allocate.</summary>
    private static Action Bind(object instance, MethodInfo method)
    {
        if (method.ReturnType == typeof(void))
        {
            return method.CreateDelegate<Action>(instance);
        }

        if (method.ReturnType == typeof(long))
        {
            Func<long> call = method.CreateDelegate<Func<long>>(instance);
            return () => Sink.Value = call();
        }

        if (method.ReturnType == typeof(int))
        {
            Func<int> call = method.CreateDelegate<Func<int>>(instance);
            return () => Sink.Value = call();
        }

        throw new NotSupportedException($"{method.DeclaringType?.Name}.{method.Name} returns {method.ReturnType}; quick runs support void, int and long.");
    }

    /// <summary>The class part of a suite name: <c>PositionalBenchmarks</c> becomes <c>positional</c>, <c>DirectViewBenchmarks</c> <c>direct-view</c>.</summary>
    private static string SuitePrefix(Type type)
    {
        string name = type.Name.EndsWith("Benchmarks", StringComparison.Ordinal) ? type.Name[..^"Benchmarks".Length] : type.Name;
        var result = new StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && result.Length > 0)
            {
                result.Append('-');
            }

            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString();
    }

    private static string ParameterSuffix(IReadOnlyList<(MemberInfo Member, object? Value)> parameters) =>
        string.Concat(parameters.Select(p => "/" + p.Member.Name + "=" + Convert.ToString(p.Value, CultureInfo.InvariantCulture)));

    // The order of issue 6 §1: positional, sequential, threads, views, atomics, counters, queue; new suites go last.
    private static int SuiteOrder(Type type)
    {
        string[] order = ["Positional", "SequentialRead", "ThreadedRead", "DirectView", "Atomic", "Counter", "Queue", "QueueDurability", "QueueSerializer"];
        int index = Array.IndexOf(order, type.Name.Replace("Benchmarks", string.Empty, StringComparison.Ordinal));
        return index < 0 ? order.Length : index;
    }

    private static IEnumerable<IReadOnlyList<(MemberInfo, object?)>> Combinations(List<(MemberInfo Member, object?[] Values)> axes, int from)
    {
        if (from == axes.Count)
        {
            yield return [];
            yield break;
        }

        foreach (object? value in axes[from].Values)
        {
            foreach (IReadOnlyList<(MemberInfo, object?)> rest in Combinations(axes, from + 1))
            {
                yield return [(axes[from].Member, value), .. rest];
            }
        }
    }
}
