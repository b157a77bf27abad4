using ContestPipeline.Deployment;
using OtpNet;

namespace ContestPipeline.Local.Demo;

/// <summary>The code an authenticator app shows for an <c>otpauth://totp/…?secret=…</c> URI, as the console checks
/// it.</summary>
public static class AuthenticatorCode
{
    /// <summary>True with the code in <paramref name="result"/>, or false with what is wrong with the URI.</summary>
    public static bool Now(string uri, DateTimeOffset now, out string result)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme != "otpauth")
        {
            result = $"'{uri}' is not an otpauth:// URI";
            return false;
        }
        var secret = parsed.Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0] == "secret")
            .Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault();
        if (string.IsNullOrEmpty(secret))
        {
            result = $"'{uri}' has no secret= parameter";
            return false;
        }
        try
        {
            result = OperatorTotp.Code(Base32Encoding.ToBytes(secret), now);
            return true;
        }
        catch (ArgumentException e)
        {
            result = $"the secret of '{uri}' is not base32: {e.Message}";
            return false;
        }
    }
}
