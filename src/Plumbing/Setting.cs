using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ContestPipeline.Plumbing;

/// <summary>
/// The one way every process reads a setting: by its constant name (an environment variable,
/// or any configuration source), with a <c>&lt;NAME&gt;_FILE</c> variant naming a file that holds
/// the value (as official container images do for secrets), parsed in the invariant culture
/// and checked against explicit bounds. A value that is present but wrong is a start-up error
/// naming the setting, never a silent default.
/// </summary>
public static class Setting
{
    public const string FileSuffix = "_FILE";

    /// <summary>The value, or null when neither the setting nor its file variant is set.</summary>
    public static string? Text(IConfiguration? configuration, string name)
    {
        var value = Raw(configuration, name);
        var file = Raw(configuration, name + FileSuffix);
        if (file is null) return value;
        if (value is not null)
            throw new StartupException($"{name} and {name}{FileSuffix} are both set; set one");
        try
        {
            var text = File.ReadAllText(file).Trim();
            return text.Length == 0 ? throw new StartupException($"{name}{FileSuffix}: {file} is empty") : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{name}{FileSuffix}: cannot read {file}: {e.Message}", e);
        }
    }

    public static string Required(IConfiguration? configuration, string name, string why) =>
        Text(configuration, name) ?? throw new StartupException($"{name} is not set: {why}");

    public static long Long(IConfiguration? configuration, string name, long fallback, long min, long max)
    {
        var text = Text(configuration, name);
        if (text is null) return fallback;
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max
            ? value
            : throw new StartupException(string.Create(CultureInfo.InvariantCulture,
                $"{name}: '{text}' is not a whole number from {min:N0} to {max:N0}"));
    }

    public static int Int(IConfiguration? configuration, string name, int fallback, int min, int max) =>
        checked((int)Long(configuration, name, fallback, min, max));

    /// <summary>A duration given in whole milliseconds.</summary>
    public static TimeSpan Milliseconds(IConfiguration? configuration, string name, TimeSpan fallback, TimeSpan min,
        TimeSpan max) =>
        TimeSpan.FromMilliseconds(Long(configuration, name, checked((long)fallback.TotalMilliseconds),
            checked((long)min.TotalMilliseconds), checked((long)max.TotalMilliseconds)));

    /// <summary>A duration given in whole seconds.</summary>
    public static TimeSpan Seconds(IConfiguration? configuration, string name, TimeSpan fallback, TimeSpan min,
        TimeSpan max) =>
        TimeSpan.FromSeconds(Long(configuration, name, checked((long)fallback.TotalSeconds),
            checked((long)min.TotalSeconds), checked((long)max.TotalSeconds)));

    /// <summary>A comma-separated list, empty entries dropped.</summary>
    public static IReadOnlyList<string> List(IConfiguration? configuration, string name) =>
        (Text(configuration, name) ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public static Uri? Url(IConfiguration? configuration, string name)
    {
        var text = Text(configuration, name);
        if (text is null) return null;
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new StartupException($"{name}: '{text}' is not an absolute http or https URL");
    }

    private static string? Raw(IConfiguration? configuration, string name)
    {
        var value = configuration?[name] ?? Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// Registers a settings object read from configuration by <paramref name="read"/> (which
    /// throws <see cref="StartupException"/> naming a bad setting) and checked by
    /// <paramref name="validate"/> (which returns the problems, each naming its setting), both
    /// at start (ValidateOnStart), never on first use; and the object itself as a singleton.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, Func<IConfiguration, T> read,
        Func<T, IConfiguration, IEnumerable<string>>? validate = null) where T : class
    {
        services.AddSingleton<IConfigureOptions<Holder<T>>>(sp =>
            new ConfigureOptions<Holder<T>>(h => h.Value = read(sp.GetRequiredService<IConfiguration>())));
        services.AddSingleton<IValidateOptions<Holder<T>>>(sp =>
            new Validator<T>(validate, sp.GetRequiredService<IConfiguration>()));
        services.AddOptions<Holder<T>>().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<Holder<T>>>().Value.Value!);
        return services;
    }

    /// <summary>Options need a mutable class; settings are immutable records, so they travel in this holder.</summary>
    public sealed class Holder<T> where T : class
    {
        public T? Value { get; set; }
    }

    private sealed class Validator<T>(Func<T, IConfiguration, IEnumerable<string>>? validate,
        IConfiguration configuration)
        : IValidateOptions<Holder<T>> where T : class
    {
        public ValidateOptionsResult Validate(string? name, Holder<T> options)
        {
            if (validate is null || options.Value is null) return ValidateOptionsResult.Success;
            var problems = validate(options.Value, configuration).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
