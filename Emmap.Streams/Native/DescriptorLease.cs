using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// Borrows the descriptor of a <see cref="SafeFileHandle"/> for the duration of a native call, holding a reference so
/// the handle cannot be closed (and its number reused) meanwhile. Use with <c>using</c>.
/// </summary>
internal readonly ref struct DescriptorLease
{
    private readonly SafeFileHandle _file;
    private readonly bool _added;

    private DescriptorLease(SafeFileHandle file, bool added)
    {
        _file = file;
        _added = added;
        Value = (int)file.DangerousGetHandle();
    }

    /// <summary>Gets the descriptor number.</summary>
    internal int Value { get; }

    internal static DescriptorLease Of(SafeFileHandle file)
    {
        bool added = false;
        file.DangerousAddRef(ref added);
        return new DescriptorLease(file, added);
    }

    public void Dispose()
    {
        if (_added)
        {
            _file.DangerousRelease();
        }
    }
}
