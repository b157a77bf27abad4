using System.Reflection;
using System.Runtime.InteropServices;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>
/// The one place the native librdkafka is resolved. It comes from NuGet (librdkafka.redist,
/// the version Confluent.Kafka was built against) in the runtimes folder beside the program:
/// the package's main linux-x64 build needs Cyrus SASL 2.1.28 (libsasl2.so.3, which Debian 12
/// lacks), so, as Confluent.Kafka's own loader does, the package's self-contained CentOS 8
/// build (OpenSSL inside, SCRAM included) is taken when the main one does not load. One
/// DllImport resolver maps every "librdkafka*" import of Confluent.Kafka, and of any assembly
/// asking (the local broker's mock cluster), to that one loaded file, so both always speak to
/// the same library. <see cref="PathVariable"/> names another file instead.
/// </summary>
public static class KafkaNative
{
    public const string Version = "2.16.0";
    public const string PathVariable = "CONTESTPIPELINE_LIBRDKAFKA";

    private static readonly Lock Gate = new();
    private static nint _handle;

    /// <summary>The files tried, in order, when <see cref="PathVariable"/> is not set.</summary>
    public static IReadOnlyList<string> PackagedPaths { get; } =
    [
        .. new[] { "librdkafka.so", "centos8-librdkafka.so" }
            .Select(f => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", f)),
    ];

    /// <summary>
    /// Installs the resolver once for Confluent.Kafka, and for <paramref name="alsoFor"/> (an
    /// assembly with librdkafka imports of its own, such as the local broker's mock cluster);
    /// every Kafka client factory calls this first.
    /// </summary>
    public static void EnsureLoaded(Assembly? alsoFor = null)
    {
        EnsureLoadedCore();
        if (alsoFor is null || alsoFor == typeof(Confluent.Kafka.Library).Assembly) return;
        lock (Gate)
        {
            if (ResolvedAssemblies.Add(alsoFor))
                NativeLibrary.SetDllImportResolver(alsoFor,
                    (name, _, _) => name.StartsWith("librdkafka", StringComparison.Ordinal) ? _handle : 0);
        }
    }

    private static readonly HashSet<Assembly> ResolvedAssemblies = [];

    private static void EnsureLoadedCore()
    {
        if (_handle != 0) return;
        lock (Gate)
        {
            if (_handle != 0) return;
            var handle = Load();
            DllImportResolver resolver = (name, _, _) =>
                name.StartsWith("librdkafka", StringComparison.Ordinal) ? handle : 0;
            NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, resolver);
            _handle = handle;
        }
    }

    // Start-up failures, not bugs: a worker turns them into one line and exit code 2.
    private static nint Load()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(path))
        {
            if (!File.Exists(path))
                throw new StartupException(
                    $"librdkafka not found at {path} (from {PathVariable}): unset it to use the packaged {Version}");
            try
            {
                return NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new StartupException(
                    $"librdkafka at {path} (from {PathVariable}) could not be loaded: {LoaderReason(e)}", e);
            }
        }
        var reasons = new List<string>();
        foreach (var candidate in PackagedPaths)
        {
            if (!File.Exists(candidate)) { reasons.Add($"{Path.GetFileName(candidate)}: not found"); continue; }
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
            reasons.Add($"{Path.GetFileName(candidate)}: does not load here");
        }
        throw new StartupException(
            $"librdkafka {Version} could not be loaded from {Path.GetDirectoryName(PackagedPaths[0])} "
            + $"({string.Join("; ", reasons)}): restore the librdkafka.redist package, "
            + $"or set {PathVariable} to the library");
    }

    /// <summary>
    /// Fails with one line if the loaded librdkafka lacks a feature the settings need (its
    /// builtin.features: "ssl" for TLS, "sasl_scram" for SCRAM), instead of a handshake that
    /// fails later with a less clear reason.
    /// </summary>
    public static void RequireFeatures(IEnumerable<string> features)
    {
        var needed = features.ToList();
        if (needed.Count == 0) return;
        var built = BuiltinFeatures();
        var missing = needed.Where(f => !built.Contains(f)).ToList();
        if (missing.Count > 0)
            throw new StartupException(
                $"librdkafka {Version} was built without {string.Join(", ", missing)} "
                + $"(it has {string.Join(",", built.Order(StringComparer.Ordinal))}): "
                + "use a build with OpenSSL and SCRAM (librdkafka.redist has both)");
    }

    /// <summary>What the loaded librdkafka was built with (its builtin.features property).</summary>
    public static IReadOnlySet<string> BuiltinFeatures()
    {
        EnsureLoadedCore();
        var confNew = Marshal.GetDelegateForFunctionPointer<ConfNew>(
            NativeLibrary.GetExport(_handle, "rd_kafka_conf_new"));
        var confGet = Marshal.GetDelegateForFunctionPointer<ConfGet>(
            NativeLibrary.GetExport(_handle, "rd_kafka_conf_get"));
        var confDestroy = Marshal.GetDelegateForFunctionPointer<ConfDestroy>(
            NativeLibrary.GetExport(_handle, "rd_kafka_conf_destroy"));
        var conf = confNew();
        try
        {
            var buffer = new byte[1024];
            var size = (nuint)buffer.Length;
            if (confGet(conf, "builtin.features"u8.ToArray().Append((byte)0).ToArray(), buffer, ref size) != 0)
                return new HashSet<string>();
            var text = System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0)));
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            confDestroy(conf);
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint ConfNew();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int ConfGet(nint conf, byte[] name, byte[] value, ref nuint size);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void ConfDestroy(nint conf);

    /// <summary>
    /// The loader's own reason (dlerror's text: "invalid ELF header", a missing dependency ...),
    /// which .NET puts on the last line of a message that otherwise only says where to look.
    /// </summary>
    private static string LoaderReason(Exception e) =>
        e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
        ?? e.GetType().Name;
}
