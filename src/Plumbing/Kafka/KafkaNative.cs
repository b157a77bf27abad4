using System.Reflection;
using System.Runtime.InteropServices;

namespace ContestPipeline.Plumbing.Kafka;

/// <summary>
/// The one place the native librdkafka is resolved. Confluent.Kafka 2.15.1 needs
/// librdkafka 2.15.x, which build/librdkafka.sh builds and caches; its own loader
/// (Library.Load) cannot be used on Debian 12 because it dlopens "libdl", which only
/// exists as libdl.so.2. So a DllImport resolver maps every "librdkafka*" import of the
/// Confluent.Kafka assembly (and of any assembly asking, such as the local tooling's mock
/// cluster) to the cached build.
/// </summary>
public static class KafkaNative
{
    public const string Version = "2.15.1";
    public const string PathVariable = "CONTESTPIPELINE_LIBRDKAFKA";

    private static readonly Lock Gate = new();
    private static nint _handle;

    /// <summary>Where the cached build lives unless <see cref="PathVariable"/> says otherwise.</summary>
    public static string DefaultPath
    {
        get
        {
            var cacheRoot = Environment.GetEnvironmentVariable("CONTESTPIPELINE_CACHE");
            if (string.IsNullOrEmpty(cacheRoot))
            {
                var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                cacheRoot = Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "contestpipeline");
            }
            return Path.Combine(cacheRoot, $"librdkafka-{Version}", "librdkafka.so.1");
        }
    }

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
                NativeLibrary.SetDllImportResolver(alsoFor, (name, _, _) => name.StartsWith("librdkafka", StringComparison.Ordinal) ? _handle : 0);
        }
    }

    private static readonly HashSet<Assembly> ResolvedAssemblies = [];

    private static void EnsureLoadedCore()
    {
        if (_handle != 0) return;
        lock (Gate)
        {
            if (_handle != 0) return;
            var path = Environment.GetEnvironmentVariable(PathVariable);
            var origin = string.IsNullOrEmpty(path) ? "the default path" : "from " + PathVariable;
            if (string.IsNullOrEmpty(path)) path = DefaultPath;
            // Start-up failures, not bugs: a worker turns them into one line and exit code 2.
            if (!File.Exists(path))
                throw new StartupException(
                    $"librdkafka {Version} not found at {path} ({origin}): run build/librdkafka.sh, or set {PathVariable} to the library");
            nint handle;
            try
            {
                handle = NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new StartupException($"librdkafka {Version} at {path} ({origin}) could not be loaded: {LoaderReason(e)}", e);
            }
            DllImportResolver resolver = (name, _, _) =>
                name.StartsWith("librdkafka", StringComparison.Ordinal) ? handle : 0;
            NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, resolver);
            _handle = handle;
        }
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
                $"librdkafka {Version} was built without {string.Join(", ", missing)} (it has {string.Join(",", built.Order(StringComparer.Ordinal))}): rebuild it with OpenSSL (build/librdkafka.sh)");
    }

    /// <summary>What the loaded librdkafka was built with (its builtin.features property).</summary>
    public static IReadOnlySet<string> BuiltinFeatures()
    {
        EnsureLoadedCore();
        var confNew = Marshal.GetDelegateForFunctionPointer<ConfNew>(NativeLibrary.GetExport(_handle, "rd_kafka_conf_new"));
        var confGet = Marshal.GetDelegateForFunctionPointer<ConfGet>(NativeLibrary.GetExport(_handle, "rd_kafka_conf_get"));
        var confDestroy = Marshal.GetDelegateForFunctionPointer<ConfDestroy>(NativeLibrary.GetExport(_handle, "rd_kafka_conf_destroy"));
        var conf = confNew();
        try
        {
            var buffer = new byte[1024];
            var size = (nuint)buffer.Length;
            if (confGet(conf, "builtin.features"u8.ToArray().Append((byte)0).ToArray(), buffer, ref size) != 0) return new HashSet<string>();
            var text = System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0)));
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
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
        e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? e.GetType().Name;
}
